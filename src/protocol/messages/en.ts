// English server messages, by key (see index.ts). Each entry words its parameters; the
// Chinese catalog (zh-CN.ts) has the same keys and parameters, which the compiler checks.
// The wording here is the API's English as clients have always seen it: change it with care.
type S = string;
type N = number;

export const en = {
  // "<where>: <problem>", the shape of every message that names a field.
  'field.problem': (p: { field: S; problem: S }) => `${p.field}: ${p.problem}`,

  // Task fields (domain/task.ts, domain/secrets.ts).
  'value.oneOf': (p: { allowed: S }) => `must be one of ${p.allowed}`,
  'value.integerRange': (p: { min: N; max: N }) => `must be an integer from ${p.min} to ${p.max}`,
  'value.string': () => 'must be a string',
  'value.maxLength': (p: { max: N }) => `must be at most ${p.max} characters`,
  'value.objectOfStrings': () => 'must be an object of strings',
  'value.notAName': (p: { key: S }) => `'${p.key}' is not a valid name`,
  'value.stringsOrSecrets': () => 'must be an object of strings or {"secret":"<value>"}',
  'value.stringOrSecret': () => 'must be a string or {"secret":"<value>"}',
  'value.arrayOfStrings': () => 'must be an array of strings',
  'value.object': () => 'must be an object',
  'value.boolean': () => 'must be true or false',
  'value.required': () => 'is required',
  'value.unknownField': (p: { key: S }) => `unknown field '${p.key}'`,
  'task.foreignField': (p: { foreign: S; type: S }) => `belongs to a ${p.foreign} task, but this task is a ${p.type} task; give the fields of one type only`,
  'task.requiredFor': (p: { type: S }) => `is required for a ${p.type} task`,
  'task.httpUrl': () => 'must be an absolute http:// or https:// URL',
  'task.httpScheme': () => 'must use http or https',
  'task.expectStatus': () => 'must be an HTTP status code or a list of them',
  'task.handlerName': () => 'must be a handler name (letters, digits, _ . : -)',
  'task.handlerFromName': () => 'is required when the task name is not a handler name (letters A–Z, digits, _ . : -)',
  'task.executorList': () => 'must be a list of {"executor","weight","priority"}',
  'task.executorRequired': () => 'is required: an executor id or name',
  'task.executorTwice': (p: { executor: S }) => `'${p.executor}' is listed twice`,
  'task.status': () => "must be 'active' or 'paused'",
  'task.nameRule': (p: { max: N }) =>
    `must be 1–${p.max} characters: letters and digits of any script, spaces, and _ . : -, starting with a letter or digit and not ending with a space (no slashes, control characters or other symbols)`,
  'task.secretShape': () => 'a secret is {"secret":"<non-empty string>"}, or {"secret":true} to keep the stored one',
  'task.sealedReserved': () => "'$sealed' is reserved for stored secrets",
  'task.secretNotStored': () => '{"secret":true} keeps the stored secret, but none is stored there; send {"secret":"<value>"}',
  'task.bodyObject': () => 'body: must be an object',
  'task.nameTaken': (p: { name: S }) => `a task named '${p.name}' already exists`,

  // Schedules (domain/schedule.ts).
  'schedule.timezone': (p: { timezone: S }) => `timezone: '${p.timezone}' is not an IANA time zone name: use one such as 'UTC', 'Etc/GMT+5' or 'Asia/Shanghai' (an offset like '+05:00' is not a name)`,
  'schedule.dialect': (p: { value: S; dialects: S }) => `cron_dialect: ${p.value} is not a cron dialect: use ${p.dialects}`,
  'cron.invalid': (p: { expression: S; reason: S }) => `invalid cron expression '${p.expression}': ${p.reason}`,
  'cron.empty': () => 'the expression is empty',
  'cron.quartzFields': (p: { count: N }) => `a quartz expression has 6 or 7 fields (second minute hour day-of-month month day-of-week [year]), this one has ${p.count}`,
  'cron.quartzQuestionMark': () => "quartz needs '?' in exactly one of day-of-month and day-of-week (e.g. '0 0 12 * * ?' or '0 0 12 ? * 2')",
  'cron.weekdayRange': (p: { value: S; dialect: S; low: N; high: N }) =>
    `day-of-week ${p.value} is out of range for the ${p.dialect} dialect (${p.low}–${p.high}: ${p.dialect === 'quartz' ? '1 = Sunday … 7 = Saturday' : '0 or 7 = Sunday … 6 = Saturday'})`,
  'cron.intervalTooLong': () => 'an interval must be at most 366d (8784h); use a cron expression for anything rarer',
  'cron.neverMatches': () => 'the expression never matches a date',
  'cron.noFireAfter': (p: { from: S }) => `the expression has no fire after ${p.from} (up to year 9999)`,
  'cron.intervalShape': () => "an interval looks like '@every 30s', '@every 5m' or '@every 1h30m'",
  'cron.intervalTooShort': () => 'an interval must be at least 1s',
  /** A reason worded by the cron parser (croner), passed on in English. */
  'cron.parser': (p: { reason: S; kind: S; part: S }) => p.reason,

  // Requests (api/errors.ts, api/input-guard.ts): `location` is path, querystring or body.
  'request.unknownField': (p: { location: S; field: S }) => `${p.location}: unknown field '${p.field}'`,
  'request.required': (p: { location: S; field: S }) => `${p.location}: ${p.field} is required`,
  /** A schema rule the request broke (ajv's keyword and parameters), as ajv words it in English. */
  'request.schema': (p: { location: S; field: S; keyword: S; english: S; limit: S; allowed: S; type: S; format: S }) => `${p.location}: ${p.field} ${p.english}`,
  'request.badPath': () => 'path: the path is not valid percent-encoded UTF-8',
  'request.longPathSegment': () => 'path: a path segment is too long',
  'request.notJson': () => 'body: the body is not valid JSON',
  'request.bodyNotJson': () => 'the body is not valid JSON',
  'request.tooDeep': (p: { max: N; depth: N }) => `body: JSON nested deeper than ${p.max} levels (at ${p.depth})`,
  'request.badText': (p: { location: S; where: S; problem: S }) => `${p.location}: ${p.where} ${p.problem}`,
  'request.theValue': () => 'the value',
  'request.nul': () => 'contains a NUL character',
  'request.nulInName': () => 'has a name that contains a NUL character',
  'request.surrogate': () => 'contains a lone UTF-16 surrogate (not valid Unicode)',
  'request.surrogateInName': () => 'has a name that contains a lone UTF-16 surrogate (not valid Unicode)',
  'request.nestedDeep': (p: { max: N }) => `is nested deeper than ${p.max} levels`,
  'request.instant': (p: { location: S; field: S; value: S }) => `${p.location}: ${p.field} must be an ISO 8601 instant like 2026-11-22T08:00:00Z, not '${p.value}'`,
  'request.instantRange': (p: { location: S; field: S; earliest: S; latest: S; value: S }) => `${p.location}: ${p.field} must be between ${p.earliest} and ${p.latest}, not '${p.value}'`,
  'request.window': (p: { allowed: S; value: S }) => `querystring: window must be one of ${p.allowed}, not '${p.value}'`,
  /** Another 4xx Fastify answered itself (a content type it cannot parse, say), in Fastify's English. */
  'request.framework': (p: { english: S; fastifyCode: S }) => p.english,
  'request.tooLarge': () => 'the request body is too large',
  'request.rateLimited': () => 'too many requests',
  'request.noRoute': (p: { method: S; path: S }) => `no route ${p.method} ${p.path}`,
  'server.internal': () => 'internal server error',

  // Not found, conflicts (routes and store).
  'notFound.task': (p: { id: S }) => `no task with id '${p.id}'`,
  'notFound.execution': (p: { id: S }) => `no execution with id '${p.id}'`,
  'notFound.executor': (p: { id: S }) => `no executor with id '${p.id}'`,
  'notFound.user': (p: { id: S }) => `no user with id '${p.id}'`,
  'notFound.apiToken': (p: { id: S }) => `no API token with id '${p.id}'`,
  'notFound.executorToken': (p: { id: S }) => `no active executor token with id '${p.id}'`,
  'execution.ended': (p: { id: S; status: S }) => `execution '${p.id}' already ended (${p.status})`,
  'executor.builtIn': (p: { name: S; instanceId: S }) =>
    `executor '${p.name}' is the built-in executor of \`cronfleet up\` (instance_id '${p.instanceId}'): it cannot be removed, as it attaches again whenever the server starts; set it to maintenance to keep work off it`,
  'executor.removeOnline': (p: { name: S; id: S }) => `executor '${p.name}' is online: set it to maintenance or offline first (PUT /api/v1/executors/${p.id}/status), then remove it`,
  'executor.removeBusy': (p: { name: S; count: N }) => `executor '${p.name}' still runs ${p.count} execution(s): let them finish or stop them, then remove it`,
  'executor.changedWhileRemoving': (p: { name: S }) => `executor '${p.name}' changed while being removed; try again`,
  'user.lastAdmin': () => 'this is the last active admin: make another user admin first',
  'user.nameTaken': (p: { username: S }) => `a user named '${p.username}' already exists`,
  'user.deleteSelf': () => 'you cannot delete yourself',
  'user.nameProblem': (p: { problem: S }) => `username ${p.problem}`,
  'user.nameEmpty': () => 'must not be empty or only spaces',
  'user.nameControl': () => 'must not contain control characters',
  'user.nameLength': (p: { max: N }) => `must be at most ${p.max} characters`,
  'user.nameRule': () => 'may contain only letters, digits, _ . @ and -',
  'password.tooShort': () => 'password must be at least 10 characters',
  'password.tooLong': () => 'password must be at most 256 characters',
  'token.roleTooHigh': (p: { role: S; wanted: S }) => `you have the ${p.role} role and cannot create a token with the ${p.wanted} role`,
  'token.revoked': (p: { id: S }) => `API token '${p.id}' is already revoked`,

  // Authentication and access (api/auth.ts, routes/auth.ts).
  'auth.noAccessDeclared': () => 'this route declares no access (src/api/access.ts)',
  'auth.roleNeeded': (p: { access: S; actor: S; role: S }) => `this needs the ${p.access} role; ${p.actor} has the ${p.role} role`,
  'auth.malformedHeader': () => 'malformed Authorization header: send "Authorization: Bearer <token>"',
  'auth.missing': () => 'missing credentials: sign in, or send the header "Authorization: Bearer <token>"',
  'auth.missingShort': () => 'missing credentials',
  'auth.executorToken': () => 'executor tokens only connect executors (/ws/executor); use an API token for the REST API',
  'auth.badToken': () => 'invalid, expired or revoked token',
  'auth.sessionEnded': () => 'your session has ended: sign in again',
  'auth.csrf': (p: { header: S }) => `missing or wrong ${p.header} header: send the csrf_token from sign-in with every change`,
  'auth.wrongPassword': () => 'wrong user name or password',
  'auth.notAUser': () => 'only a signed-in user has a password to change',
  'auth.currentPassword': () => 'current_password is wrong',
  'executor.noneOnline': () => 'no executor is online',
  'executor.noneNamed': (p: { names: S }) => `none of the executors named by the task is online (${p.names})`,
  'executor.noHandler': (p: { handler: S }) => `no online executor offers handler '${p.handler}'`,
  'executor.noHandlerYet': (p: { handler: S }) => `no online executor offers handler '${p.handler}' yet`,
  'executor.noRunner': (p: { type: S }) => `no online executor has a '${p.type}' runner`,
  'executor.noLabels': (p: { labels: S }) => `no online executor carries the labels ${p.labels}`,
  'executor.atCapacity': () => 'every eligible executor is at capacity',
  'task.warning.noExecutor': (p: { reason: S; seconds: number }) => `${p.reason}: its runs wait, and fail with reason no_executor after dispatch_timeout_seconds (${p.seconds} s)`,

  // Why an execution failed or ended, as stored in its `error` (English) with its key
  // (executions.error_detail): the server's verdicts, and those a cronfleet agent reports.
  'run.stopped': () => 'stopped on request',
  'run.killed': () => 'killed on request',
  'run.replaced': () => 'replaced by a newer fire',
  'run.notConnected': (p: { stop: S }) => `${p.stop}; the executor was not connected`,
  'run.taskDeleted': () => 'the task was deleted',
  'run.noExecutor': (p: { seconds: N; reason: S }) => `no executor could take it within ${p.seconds} s (dispatch_timeout_seconds): ${p.reason}`,
  'run.waitingForShardExecutor': (p: { executor: S }) => `waiting for executor ${p.executor} (broadcast shard)`,
  'run.waitingForQueue': () => 'waiting for the previous execution of this task (queue)',
  'run.disconnectedBeforeDelivery': () => 'the executor disconnected before the execution reached it',
  'run.executorRestarted': () => 'the executor restarted while this execution ran',
  /** `error` is the network's or the executor's own words, passed on in English. */
  'run.pushFailed': (p: { url: S; error: S }) => `push to ${p.url} failed: ${p.error}`,
  'run.deadlinePassed': () => 'no result from the executor before the deadline',
  'run.heartbeatsStopped': (p: { name: S }) => `executor '${p.name}' stopped sending heartbeats`,
  'run.exitCode': (p: { code: N }) => `exited with code ${p.code}`,
  'run.signal': (p: { signal: S }) => `terminated by ${p.signal}`,
  'run.timedOut': (p: { seconds: N }) => `timed out after ${p.seconds}s`,
  'run.noRunner': (p: { type: S }) => `this executor has no '${p.type}' runner`,
  'run.runnerCrashed': (p: { error: S }) => `runner crashed: ${p.error}`,
  'run.executorFailed': (p: { error: S }) => `the executor failed to run it: ${p.error}`,
  'run.couldNotStart': (p: { command: S; user: S; error: S }) => `could not start '${p.command}'${p.user ? ` as ${p.user}` : ''}: ${p.error}`,

  // HTTP executors: registration and signed callbacks (dispatch/http-executors.ts, store/executors.ts).
  'httpExecutor.runner': (p: { runner: S; types: S }) => `runners: '${p.runner}' is not a task type (${p.types}) nor 'handler:<name>'`,
  'httpExecutor.url': (p: { field: S; value: S }) => `${p.field} must be an http:// or https:// URL, got '${p.value}'`,
  'httpExecutor.capacity': (p: { value: S }) => `metadata.capacity must be an integer from 1 to 10000, got ${p.value}`,
  'httpExecutor.agentInstance': (p: { instanceId: S }) => `instance_id '${p.instanceId}' belongs to an agent executor`,
  'httpExecutor.agentInstanceStored': (p: { instanceId: S }) => `instance_id '${p.instanceId}' belongs to an agent; give this HTTP executor another instance_id`,
  'httpExecutor.changedWhileRegistering': (p: { instanceId: S }) => `executor '${p.instanceId}' changed while registering; try again`,
  'callback.unsigned': () =>
    'missing signature: send X-Cronfleet-Executor, X-Cronfleet-Timestamp, X-Cronfleet-Nonce and X-Cronfleet-Signature (v2=<hex HMAC-SHA256 with the callback secret>, see the README on HTTP executors)',
  'callback.v1': () => 'X-Cronfleet-Signature must be a v2 signature (it covers the route, the execution, the timestamp and the nonce); v1 is no longer accepted',
  'callback.nonce': () => 'X-Cronfleet-Nonce must be 16 to 64 characters of A-Z, a-z, 0-9, _ and -, new for every request',
  'callback.timestamp': (p: { seconds: N }) => `X-Cronfleet-Timestamp must be the current unix time in seconds (within ${p.seconds} s of the server's clock)`,
  'callback.badSignature': () => 'invalid signature for this executor and execution',
  'callback.replayed': () => 'this callback was accepted before (its nonce is used): sign every request with a new nonce',
  'callback.notAssigned': (p: { id: S }) => `execution '${p.id}' is not assigned to the executor that signed this callback`,
  'callback.notRunning': (p: { id: S; status: S }) => `execution '${p.id}' is not running (${p.status})`,

  // Other answers of the API (routes, web-ui.ts, system.ts, dto.ts, errors.ts).
  'logs.textFollow': () => 'format: text is the log as it is now; follow streams JSON lines',
  'web.noFile': (p: { path: S }) => `no file ${p.path}`,
  'web.nothingAt': (p: { path: S }) => `nothing at ${p.path}`,
  /** Readiness (GET /readyz): `english` is the store's own account, with the database's words. */
  'ready.notReady': (p: { reason: S; english: S }) => p.english,
  'task.unreadable': (p: { problem: S }) => `this task's stored definition cannot be read (${p.problem}); update or delete it`,
  /** A storage fault (503): `english` is the store's account of it, with the database's words. */
  'storage.unavailable': (p: { reason: S; english: S }) => p.english,
  'storage.busy': (p: { english: S }) => p.english,
  /** Any other error the server words only in English (an internal fault's hint, say): as it is. */
  'server.unkeyed': (p: { code: S; english: S }) => p.english,
} satisfies Record<string, (params: never) => string>;
