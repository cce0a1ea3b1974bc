export { compileExpression, ExpressionError, type ClaimValue, type ClientView } from './expression.js';
export { createClaimMapper, REGISTERED_CLAIMS, type ClaimMapper, type TokenContext } from './mapper.js';
