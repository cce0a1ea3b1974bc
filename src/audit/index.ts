export { AuditTrail, type AuditAction, type AuditRecord } from './audit-trail.js';
