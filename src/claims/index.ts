export { compileExpression, ExpressionError, type ClaimValue, type ClientView, type UserView } from './expression.js';
export { createClaimMapper, GRANT_ID_CLAIM, personClaimNames, REGISTERED_CLAIMS, type ClaimConfig, type ClaimMapper, type ClaimTarget, type TokenContext } from './mapper.js';
