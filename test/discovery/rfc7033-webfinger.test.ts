import request from 'supertest';

import { backends } from '../support/backends.js';
import { startTestServer, STANDARD_CONFIG, type TestServer } from '../support/test-server.js';

const ISSUER_REL = 'http://openid.net/specs/connect/1.0/issuer';

describe.each(backends)('RFC 7033 WebFinger and OpenID Connect Discovery §2 ($name)', (backend) => {
  let server: TestServer;
  let host: string;
  beforeAll(async () => {
    server = await startTestServer(backend, { config: STANDARD_CONFIG });
    host = new URL(server.url).host;
  });
  afterAll(() => server.destroy());

  const webfinger = (query: string) => request(server.url).get(`/.well-known/webfinger${query}`);

  test.each([
    ['an acct: URI of the issuer host', () => `acct:alice@${host}`],
    ['an acct: URI naming the host without its port', () => `acct:bob@${new URL(server.url).hostname}`],
    ['an https URL of the issuer host', () => `https://${host}/users/carol`],
  ])('§4 %s answers 200 application/jrd+json with the issuer link', async (_label, resource) => {
    const subject = resource();
    const response = await webfinger(`?resource=${encodeURIComponent(subject)}`).expect(200);
    expect(response.headers['content-type']).toMatch(/^application\/jrd\+json/);
    expect(response.headers['access-control-allow-origin']).toBe('*');
    const body = JSON.parse(response.text);
    expect(body).toEqual({ subject, links: [{ rel: ISSUER_REL, href: server.url }] });
    const { body: discovery } = await request(server.url).get('/.well-known/openid-configuration');
    expect(body.links[0].href).toBe(discovery.issuer);
  });

  test('§4.2 a missing resource answers 400', async () => {
    const response = await webfinger('').expect(400);
    expect(response.headers['access-control-allow-origin']).toBe('*');
    expect(response.body.error).toEqual(expect.any(String));
  });

  test.each(['not a uri', 'acct:no-at-sign', 'acct:@', 'mailto:x@y'])('§4.2 a malformed resource (%s) answers 400', async (resource) => {
    const response = await webfinger(`?resource=${encodeURIComponent(resource)}`).expect(400);
    expect(response.headers['access-control-allow-origin']).toBe('*');
  });

  test('§4.2 a resource of another host answers 404', async () => {
    const response = await webfinger(`?resource=${encodeURIComponent('acct:alice@elsewhere.example')}`).expect(404);
    expect(response.headers['access-control-allow-origin']).toBe('*');
  });

  test('§4.3 rel filters the links; unknown rels are ignored; several rels are a union', async () => {
    const resource = encodeURIComponent(`acct:alice@${host}`);
    const only = JSON.parse((await webfinger(`?resource=${resource}&rel=${encodeURIComponent(ISSUER_REL)}`).expect(200)).text);
    expect(only.links).toEqual([{ rel: ISSUER_REL, href: server.url }]);
    const unknown = JSON.parse((await webfinger(`?resource=${resource}&rel=http%3A%2F%2Fexample.com%2Frel`).expect(200)).text);
    expect(unknown.links).toEqual([]);
    const union = JSON.parse((await webfinger(`?resource=${resource}&rel=http%3A%2F%2Fexample.com%2Frel&rel=${encodeURIComponent(ISSUER_REL)}`).expect(200)).text);
    expect(union.links).toEqual([{ rel: ISSUER_REL, href: server.url }]);
  });

  test('§8.5 the same answer whether or not such an account exists; no personal data', async () => {
    const a = JSON.parse((await webfinger(`?resource=${encodeURIComponent(`acct:exists@${host}`)}`)).text);
    const b = JSON.parse((await webfinger(`?resource=${encodeURIComponent(`acct:never-heard-of@${host}`)}`)).text);
    expect({ ...a, subject: undefined }).toEqual({ ...b, subject: undefined });
    expect(Object.keys(a).sort()).toEqual(['links', 'subject']);
  });

  test('a forged Host does not change the issuer link', async () => {
    const response = await webfinger(`?resource=${encodeURIComponent(`acct:alice@${host}`)}`).set('Host', 'evil.example').expect(200);
    expect(JSON.parse(response.text).links[0].href).toBe(server.url);
  });
});
