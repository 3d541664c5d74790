// Users (admins only). A new user without a password gets a generated one, shown once.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { newId } from '../../domain/ids.ts';
import { normalizeUsername, usernameProblem } from '../../domain/usernames.ts';
import { CronfleetError } from '../../protocol/errors.ts';
import { text } from '../../protocol/messages/index.ts';
import { CreatedUserResponse, ref, UserPage, UserResponse } from '../../protocol/rest-responses.ts';
import { IdParams } from '../../protocol/rest-schemas.ts';
import { roles } from '../access.ts';
import { principalOf } from '../auth.ts';
import type { ApiContext } from '../context.ts';
import { errorResponses, noContent } from '../openapi.ts';
import { userToWire } from '../security-dto.ts';
import { generatePassword, hashPassword, passwordProblem } from '../passwords.ts';

const RoleField = Type.String({ enum: [...roles], description: 'admin: everything; operator: tasks and executions; viewer: read only' });
// Checked after normalising (trim, NFC, lower case): "Alice " is created as "alice".
const UsernameField = Type.String({ minLength: 1, maxLength: 128, description: 'letters, digits, _ . @ -; stored trimmed and lower-cased' });
const CreateUserBody = Type.Object(
  {
    username: UsernameField,
    password: Type.Optional(Type.String({ maxLength: 256, description: 'at least 10 characters; omitted = generated and returned once' })),
    role: RoleField,
  },
  { additionalProperties: false },
);
const UpdateUserBody = Type.Object(
  { username: Type.Optional(UsernameField), role: Type.Optional(RoleField), password: Type.Optional(Type.String({ maxLength: 256 })), disabled: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);

const tags = ['users'];
const noUser = errorResponses([404, 'No such user (not_found)']);

const schemas = {
  list: { operationId: 'listUsers', tags, summary: 'List users', response: { 200: ref(UserPage, { description: 'Every user, as page 1' }) } },
  create: {
    operationId: 'createUser',
    tags,
    summary: 'Create a user (a generated password is returned only now)',
    body: CreateUserBody,
    response: { 201: ref(CreatedUserResponse, { description: 'The user, with the generated password if none was given' }), ...errorResponses([409, 'A user has this name (name_taken)']) },
  },
  update: {
    operationId: 'updateUser',
    tags,
    summary: "Change a user's name, role, password or disabled flag (a new role, password or disabled flag ends their sessions)",
    params: IdParams,
    body: UpdateUserBody,
    response: {
      200: ref(UserResponse, { description: 'The user' }),
      ...noUser,
      ...errorResponses([409, 'Another user has this name (name_taken), or this is the last active admin (invalid_state)']),
    },
  },
  remove: {
    operationId: 'deleteUser',
    tags,
    summary: 'Delete a user; their sessions end and their API tokens are revoked',
    params: IdParams,
    response: { 204: noContent('Deleted'), ...noUser, ...errorResponses([409, 'It is you, or the last active admin (invalid_state)']) },
  },
};

export function userRoutes({ store, clock }: Pick<ApiContext, 'store' | 'clock'>): FastifyPluginAsyncTypebox {
  return async (app) => {
    const checkPassword = (password: string) => {
      const problem = passwordProblem(password);
      if (problem) throw new CronfleetError('invalid_request', text('field.problem', { field: 'password', problem }), { field: 'password' });
    };
    const checkedName = (raw: string) => {
      const username = normalizeUsername(raw);
      const problem = usernameProblem(username);
      if (problem) throw new CronfleetError('invalid_request', text('user.nameProblem', { problem }), { field: 'username' });
      return username;
    };
    const existing = async (id: string) => {
      const user = await store.users.get(id);
      if (!user) throw new CronfleetError('not_found', text('notFound.user', { id }), { id });
      return user;
    };
    // The last active admin cannot be demoted, disabled or deleted: someone must be able to manage users.
    const keepAnAdmin = async (id: string) => {
      if ((await store.users.otherActiveAdmins(id)) === 0) {
        throw new CronfleetError('invalid_state', text('user.lastAdmin'));
      }
    };

    app.get('/users', { schema: schemas.list }, async () => {
      const items = (await store.users.list()).map(userToWire);
      return { items, total: items.length, page: 1, page_size: items.length };
    });

    app.post('/users', { schema: schemas.create }, async (request, reply) => {
      const { role } = request.body;
      const username = checkedName(request.body.username);
      const generated = request.body.password === undefined ? generatePassword() : null;
      const password = request.body.password ?? generated!;
      checkPassword(password);
      const now = clock.now();
      const id = newId(now);
      if (!(await store.users.create({ id, username, passwordHash: await hashPassword(password), role }, now))) {
        throw new CronfleetError('name_taken', text('user.nameTaken', { username }), { field: 'username' });
      }
      const user = await existing(id);
      return reply.status(201).send({ ...userToWire(user), ...(generated ? { password: generated } : {}) });
    });

    app.put('/users/:id', { schema: schemas.update }, async (request) => {
      const user = await existing(request.params.id);
      const { role, password, disabled } = request.body;
      const username = request.body.username === undefined ? undefined : checkedName(request.body.username);
      if (user.role === 'admin' && ((role !== undefined && role !== 'admin') || disabled === true)) await keepAnAdmin(user.id);
      if (password !== undefined) checkPassword(password);
      if (username !== undefined && username !== user.username && !(await store.users.rename(user.id, username, clock.now()))) {
        throw new CronfleetError('name_taken', text('user.nameTaken', { username }), { field: 'username' });
      }
      const updated = await store.users.update(
        user.id,
        { ...(role !== undefined ? { role } : {}), ...(disabled !== undefined ? { disabled } : {}), ...(password !== undefined ? { passwordHash: await hashPassword(password) } : {}) },
        clock.now(),
      );
      return userToWire(updated!);
    });

    app.delete('/users/:id', { schema: schemas.remove }, async (request, reply) => {
      const user = await existing(request.params.id);
      if (principalOf(request).userId === user.id) throw new CronfleetError('invalid_state', text('user.deleteSelf'));
      if (user.role === 'admin') await keepAnAdmin(user.id);
      await store.apiTokens.revokeAllOf(user.id, clock.now());
      await store.users.delete(user.id);
      return reply.status(204).send();
    });
  };
}
