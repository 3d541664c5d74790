// Wire shapes of users, API tokens and audit entries (snake_case, ISO times).
import type { Role } from '../protocol/enums.ts';
import type { ApiTokenResponse, AuditEntryResponse, UserResponse } from '../protocol/rest-responses.ts';
import type { ApiToken } from '../store/api-tokens.ts';
import type { AuditEntry } from '../store/audit.ts';
import type { User } from '../store/users.ts';
import { iso } from './dto.ts';

export function userToWire(user: User): UserResponse {
  return {
    id: user.id,
    username: user.username,
    // The store takes only roles in (users.create, update), so it gives only roles back.
    role: user.role as Role,
    disabled: user.disabled,
    created_at: iso(user.createdAt),
    updated_at: iso(user.updatedAt),
    last_login_at: iso(user.lastLoginAt),
  };
}

export function apiTokenToWire(token: ApiToken): ApiTokenResponse {
  return {
    id: token.id,
    name: token.name,
    role: token.role as Role,
    user_id: token.userId,
    created_by: token.createdBy,
    created_at: iso(token.createdAt),
    expires_at: iso(token.expiresAt),
    revoked_at: iso(token.revokedAt),
    last_used_at: iso(token.lastUsedAt),
  };
}

export function auditEntryToWire(entry: AuditEntry): AuditEntryResponse {
  return {
    id: entry.id,
    at: iso(entry.at),
    actor: entry.actor,
    action: entry.action,
    resource_type: entry.resourceType,
    resource_id: entry.resourceId,
    before: entry.before,
    after: entry.after,
    ip: entry.ip,
  };
}
