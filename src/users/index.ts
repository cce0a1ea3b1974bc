export { addUserRoutes, type UserRouteDependencies } from './admin-routes.js';
export { passwordPolicy, type PasswordCheck } from './password-policy.js';
export { DEFAULT_SCRYPT, PasswordHasher, type ScryptParameters } from '../secrets/index.js';
export {
  PASSWORD_REQUEST_SCHEMA, USER_CREATE_REQUEST_SCHEMA, USER_GRANT_LIST_SCHEMA, USER_LIST_SCHEMA, USER_PATCH_SCHEMA, USER_REPLACE_REQUEST_SCHEMA,
  USER_SCHEMA, USER_SESSION_LIST_SCHEMA,
} from './schemas.js';
export { SignInLimiter, type SignInLimits } from './sign-in-limiter.js';
export { editableView, UserDirectory, userView, type PasswordCheckResult, type UserAttributes, type UserGrant, type UserSession } from './user-directory.js';
export { seedUsers } from './seed.js';
export { createUsersModule, type UsersModule } from './module.js';
