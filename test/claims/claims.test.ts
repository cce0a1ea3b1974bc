import { compileExpression, createClaimMapper, ExpressionError } from '../../src/claims/index.js';

const app = {
  clientId: 'client-1',
  clientName: 'Orders App',
  softwareId: 'sw-9',
  profile: { tenant: 't-42', nested: { tier: 'gold' }, list: ['a', 'b'] },
};

describe('claim expressions', () => {
  test.each([
    ['app.clientId', 'client-1'],
    ['app.clientName', 'Orders App'],
    ['app.softwareId', 'sw-9'],
    ['app.profile.tenant', 't-42'],
    ['app.profile.nested.tier', 'gold'],
    ['app.profile.list', ['a', 'b']],
    ['"a literal"', 'a literal'],
    ["'single \\' quoted'", "single ' quoted"],
    ['  app.clientId  ', 'client-1'],
  ])('%s evaluates', (expression, expected) => {
    expect(compileExpression(expression)({ app })).toEqual(expected);
  });

  test.each([
    'app.profile.missing',
    'app.profile.tenant.deeper',
    'app.profile.constructor',
    'app.profile.__proto__',
  ])('%s is absent, never an inherited property', (expression) => {
    expect(compileExpression(expression)({ app })).toBeUndefined();
  });

  test.each(['app.clientSecret', 'process.env', 'app.profile.', 'app.profile.a b', '"unterminated', '"x" + "y"', 'app.clientId()', ''])(
    '%s is rejected at compile time',
    (expression) => {
      expect(() => compileExpression(expression)).toThrow(ExpressionError);
    },
  );
});

const user = { id: 'u-1', username: 'ada', email: 'ada@example.com', groups: ['staff'], profile: { department: { code: 'R&D' } } };

describe('claim expressions over the signed-in user', () => {
  test.each([
    ['user.id', 'u-1'],
    ['user.username', 'ada'],
    ['user.email', 'ada@example.com'],
    ['user.groups', ['staff']],
    ['user.profile.department.code', 'R&D'],
    ['appuser.userName', 'ada'],
    ['(appuser != null) ? appuser.userName : app.clientId', 'ada'],
    ['user == null ? "machine" : user.username', 'ada'],
    ['(user.email != null) ? user.email : "none"', 'ada@example.com'],
  ])('%s evaluates with a user', (expression, expected) => {
    expect(compileExpression(expression)({ app, user })).toEqual(expected);
  });

  test.each([
    ['(appuser != null) ? appuser.userName : app.clientId', 'client-1'],
    ['user == null ? "machine" : user.username', 'machine'],
    ['user.username', undefined],
  ])('%s evaluates for client credentials (no user)', (expression, expected) => {
    expect(compileExpression(expression)({ app })).toEqual(expected);
  });

  test.each([
    'user ? a : b', '(user != null) ? user.username', '(user != 1) ? "a" : "b"', 'user.password', '(x != null) ? "a" : "b"', 'a ? b : c ? d : e',
    // Names of Object.prototype members are no paths: never the whole context, never a 500 at issuance.
    'constructor', '__proto__', 'toString', 'valueOf != null ? "a" : "b"', 'hasOwnProperty == null ? "a" : "b"', '(isPrototypeOf != null) ? app.clientId : "x"',
  ])(
    '%s is rejected at compile time',
    (expression) => {
      expect(() => compileExpression(expression)).toThrow(ExpressionError);
    },
  );

  test('a ? or : inside a string literal is text', () => {
    expect(compileExpression('(user != null) ? "a?b" : "c:d"')({ app })).toBe('c:d');
  });
});

describe('claim mapper', () => {
  const mapper = createClaimMapper([
    { name: 'app.clientId', value: 'app.clientId' },
    { name: 'tenant', value: 'app.profile.tenant' },
    { name: 'writer', value: '"yes"', scopes: ['orders:write'] },
    { name: 'orders_only', value: '"yes"', resources: ['https://orders.example'] },
    { name: 'absent', value: 'app.profile.missing' },
  ]);

  test('maps flat dotted names and profile values, and leaves out absent values', () => {
    expect(mapper({ client: app, scopes: new Set(), resource: 'https://other.example' })).toEqual({ 'app.clientId': 'client-1', tenant: 't-42' });
  });

  test('scopes and resources conditions select claims', () => {
    expect(mapper({ client: app, scopes: new Set(['orders:write']), resource: 'https://orders.example' })).toEqual({
      'app.clientId': 'client-1', tenant: 't-42', writer: 'yes', orders_only: 'yes',
    });
  });

  test('a mapped claim never replaces a registered claim', () => {
    const unsafe = createClaimMapper([{ name: 'sub', value: '"spoofed"' }, { name: 'client_id', value: '"spoofed"' }]);
    expect(unsafe({ client: app, scopes: new Set(), resource: undefined })).toEqual({});
  });
});
