// 服务器消息的简体中文版本：与 en.ts 同样的键和参数（编译器检查两者一致）。
// Field names, codes and values quoted from the request stay as they are.
import type { en } from './en.ts';

type Catalog = { [K in keyof typeof en]: (typeof en)[K] };

/** Words for the cron parser's field names (croner's own). */
const cronParts: Record<string, string> = { second: '秒', minute: '分钟', hour: '小时', day: '日期', month: '月份', dayOfWeek: '星期', dayOfMonth: '日期', year: '年份' };

/** What ajv's `type` keyword names, in Chinese. */
const typeNames: Record<string, string> = { string: '字符串', integer: '整数', number: '数字', boolean: '布尔值（true 或 false）', object: '对象', array: '数组', null: 'null' };

export const zhCN: Catalog = {
  'field.problem': (p) => `${p.field}：${p.problem}`,

  'value.oneOf': (p) => `必须是以下之一：${p.allowed}`,
  'value.integerRange': (p) => `必须是 ${p.min} 到 ${p.max} 之间的整数`,
  'value.string': () => '必须是字符串',
  'value.maxLength': (p) => `最多 ${p.max} 个字符`,
  'value.objectOfStrings': () => '必须是值为字符串的对象',
  'value.notAName': (p) => `'${p.key}' 不是有效的名称`,
  'value.stringsOrSecrets': () => '必须是值为字符串或 {"secret":"<值>"} 的对象',
  'value.stringOrSecret': () => '必须是字符串或 {"secret":"<值>"}',
  'value.arrayOfStrings': () => '必须是字符串数组',
  'value.object': () => '必须是对象',
  'value.boolean': () => '必须是 true 或 false',
  'value.required': () => '为必填项',
  'value.unknownField': (p) => `未知字段 '${p.key}'`,
  'task.foreignField': (p) => `属于 ${p.foreign} 类型的任务，但此任务是 ${p.type} 类型；请只提供一种类型的字段`,
  'task.requiredFor': (p) => `${p.type} 类型的任务必须填写此项`,
  'task.httpUrl': () => '必须是以 http:// 或 https:// 开头的完整 URL',
  'task.httpScheme': () => '必须使用 http 或 https',
  'task.expectStatus': () => '必须是一个 HTTP 状态码或状态码列表',
  'task.handlerName': () => '必须是处理器名称（字母、数字及 _ . : -）',
  'task.handlerFromName': () => '任务名称不是有效的处理器名称（英文字母、数字及 _ . : -）时，必须填写此项',
  'task.executorList': () => '必须是 {"executor","weight","priority"} 组成的列表',
  'task.executorRequired': () => '为必填项：执行器的 ID 或名称',
  'task.executorTwice': (p) => `'${p.executor}' 重复出现`,
  'task.status': () => "必须是 'active' 或 'paused'",
  'task.nameRule': (p) => `必须为 1–${p.max} 个字符：任意文字的字母和数字、空格及 _ . : -，以字母或数字开头，不能以空格结尾（不允许斜杠、控制字符或其他符号）`,
  'task.secretShape': () => '密钥的格式为 {"secret":"<非空字符串>"}，或用 {"secret":true} 保留已存储的密钥',
  'task.sealedReserved': () => "'$sealed' 保留给已存储的密钥使用",
  'task.secretNotStored': () => '{"secret":true} 表示保留已存储的密钥，但这里没有存储密钥；请发送 {"secret":"<值>"}',
  'task.bodyObject': () => 'body：必须是对象',
  'task.nameTaken': (p) => `已存在名为 '${p.name}' 的任务`,

  'schedule.timezone': (p) => `timezone：'${p.timezone}' 不是 IANA 时区名称：请使用如 'UTC'、'Etc/GMT+5' 或 'Asia/Shanghai' 这样的名称（'+05:00' 这样的偏移量不是名称）`,
  'schedule.dialect': (p) => `cron_dialect：${p.value} 不是 cron 方言：请使用 ${p.dialects}`,
  'cron.invalid': (p) => `无效的 cron 表达式 '${p.expression}'：${p.reason}`,
  'cron.empty': () => '表达式为空',
  'cron.quartzFields': (p) => `quartz 表达式有 6 或 7 个字段（秒 分 时 日 月 星期 [年]），此表达式有 ${p.count} 个`,
  'cron.quartzQuestionMark': () => "quartz 要求日期和星期两个字段中恰好一个为 '?'（例如 '0 0 12 * * ?' 或 '0 0 12 ? * 2'）",
  'cron.weekdayRange': (p) => `星期值 ${p.value} 超出 ${p.dialect} 方言的范围（${p.low}–${p.high}：${p.dialect === 'quartz' ? '1 = 星期日 … 7 = 星期六' : '0 或 7 = 星期日 … 6 = 星期六'}）`,
  'cron.intervalTooLong': () => '间隔最长为 366d（8784h）；更长的周期请使用 cron 表达式',
  'cron.neverMatches': () => '该表达式不会匹配任何日期',
  'cron.noFireAfter': (p) => `该表达式在 ${p.from} 之后（直到 9999 年）没有触发时间`,
  'cron.intervalShape': () => "间隔的写法如 '@every 30s'、'@every 5m' 或 '@every 1h30m'",
  'cron.intervalTooShort': () => '间隔至少为 1s',
  'cron.parser': (p) => {
    const part = cronParts[p.part] ?? p.part;
    switch (p.kind) {
      case 'parts':
        return `字段数量不对（${p.part}）`;
      case 'value':
        return `${part}字段的值无效`;
      case 'range':
        return '范围写法无效（起始值不能大于结束值）';
      case 'step':
        return '步长写法无效';
      default:
        return '语法错误';
    }
  },

  'request.unknownField': (p) => `${p.location}：未知字段 '${p.field}'`,
  'request.required': (p) => `${p.location}：${p.field} 为必填项`,
  'request.schema': (p) => {
    const field = p.field;
    const rule: Record<string, string> = {
      type: `必须是${typeNames[p.type] ?? p.type}`,
      minLength: `至少 ${p.limit} 个字符`,
      maxLength: `最多 ${p.limit} 个字符`,
      minimum: `不能小于 ${p.limit}`,
      maximum: `不能大于 ${p.limit}`,
      exclusiveMinimum: `必须大于 ${p.limit}`,
      exclusiveMaximum: `必须小于 ${p.limit}`,
      minItems: `至少 ${p.limit} 项`,
      maxItems: `最多 ${p.limit} 项`,
      minProperties: `至少 ${p.limit} 个字段`,
      maxProperties: `最多 ${p.limit} 个字段`,
      enum: `必须是以下之一：${p.allowed}`,
      const: `必须等于 ${p.allowed}`,
      pattern: '格式不正确',
      format: `必须是 ${p.format} 格式`,
      uniqueItems: '不能有重复项',
      multipleOf: `必须是 ${p.limit} 的倍数`,
    };
    return `${p.location}：${field} ${rule[p.keyword] ?? '无效'}`;
  },
  'request.badPath': () => 'path：路径不是有效的百分号编码 UTF-8',
  'request.longPathSegment': () => 'path：路径中有一段过长',
  'request.notJson': () => 'body：请求体不是有效的 JSON',
  'request.bodyNotJson': () => '请求体不是有效的 JSON',
  'request.tooDeep': (p) => `body：JSON 嵌套超过 ${p.max} 层（第 ${p.depth} 层）`,
  'request.badText': (p) => `${p.location}：${p.where} ${p.problem}`,
  'request.theValue': () => '该值',
  'request.nul': () => '含有 NUL 字符',
  'request.nulInName': () => '的名称含有 NUL 字符',
  'request.surrogate': () => '含有孤立的 UTF-16 代理项（不是有效的 Unicode）',
  'request.surrogateInName': () => '的名称含有孤立的 UTF-16 代理项（不是有效的 Unicode）',
  'request.nestedDeep': (p) => `嵌套超过 ${p.max} 层`,
  'request.instant': (p) => `${p.location}：${p.field} 必须是 ISO 8601 时间，如 2026-11-22T08:00:00Z，而不是 '${p.value}'`,
  'request.instantRange': (p) => `${p.location}：${p.field} 必须在 ${p.earliest} 与 ${p.latest} 之间，而不是 '${p.value}'`,
  'request.window': (p) => `querystring：window 必须是以下之一：${p.allowed}，而不是 '${p.value}'`,
  'request.framework': (p) => {
    const known: Record<string, string> = {
      FST_ERR_CTP_INVALID_MEDIA_TYPE: '不支持请求的 Content-Type',
      FST_ERR_CTP_EMPTY_JSON_BODY: 'Content-Type 为 application/json 时请求体不能为空',
      FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'Content-Length 与请求体长度不符',
      FST_ERR_CTP_BODY_TOO_LARGE: '请求体过大',
      FST_ERR_CTP_INVALID_JSON_BODY: '请求体不是有效的 JSON',
      FST_ERR_BAD_URL: '路径不是有效的百分号编码 UTF-8',
    };
    return known[p.fastifyCode] ?? `请求无效（${p.fastifyCode || '400'}）`;
  },
  'request.tooLarge': () => '请求体过大',
  'request.rateLimited': () => '请求过于频繁，请稍后再试',
  'request.noRoute': (p) => `没有路由 ${p.method} ${p.path}`,
  'server.internal': () => '服务器内部错误',

  'notFound.task': (p) => `没有 ID 为 '${p.id}' 的任务`,
  'notFound.execution': (p) => `没有 ID 为 '${p.id}' 的执行记录`,
  'notFound.executor': (p) => `没有 ID 为 '${p.id}' 的执行器`,
  'notFound.user': (p) => `没有 ID 为 '${p.id}' 的用户`,
  'notFound.apiToken': (p) => `没有 ID 为 '${p.id}' 的 API 令牌`,
  'notFound.executorToken': (p) => `没有 ID 为 '${p.id}' 的有效执行器令牌`,
  'execution.ended': (p) => `执行 '${p.id}' 已结束（${p.status}）`,
  'executor.builtIn': (p) => `执行器 '${p.name}' 是 \`cronfleet up\` 的内置执行器（instance_id '${p.instanceId}'）：它每次服务器启动都会重新连接，因此不能移除；请将其设为维护以不再分派任务`,
  'executor.removeOnline': (p) => `执行器 '${p.name}' 在线：请先将其设为维护或离线（PUT /api/v1/executors/${p.id}/status），再移除`,
  'executor.removeBusy': (p) => `执行器 '${p.name}' 仍在运行 ${p.count} 个执行：请等待其结束或停止它们，再移除`,
  'executor.changedWhileRemoving': (p) => `执行器 '${p.name}' 在移除过程中发生了变化；请重试`,
  'user.lastAdmin': () => '这是最后一个有效的管理员：请先将其他用户设为管理员',
  'user.nameTaken': (p) => `已存在名为 '${p.username}' 的用户`,
  'user.deleteSelf': () => '不能删除自己',
  'user.nameProblem': (p) => `用户名${p.problem}`,
  'user.nameEmpty': () => '不能为空或只有空格',
  'user.nameControl': () => '不能含有控制字符',
  'user.nameLength': (p) => `最多 ${p.max} 个字符`,
  'user.nameRule': () => '只能含有字母、数字及 _ . @ -',
  'password.tooShort': () => '密码至少 10 个字符',
  'password.tooLong': () => '密码最多 256 个字符',
  'token.roleTooHigh': (p) => `你的角色是 ${p.role}，不能创建角色为 ${p.wanted} 的令牌`,
  'token.revoked': (p) => `API 令牌 '${p.id}' 已被吊销`,

  'auth.noAccessDeclared': () => '此路由未声明访问权限（src/api/access.ts）',
  'auth.roleNeeded': (p) => `此操作需要 ${p.access} 角色；${p.actor} 的角色是 ${p.role}`,
  'auth.malformedHeader': () => 'Authorization 请求头格式错误：请发送 "Authorization: Bearer <令牌>"',
  'auth.missing': () => '缺少凭据：请登录，或发送请求头 "Authorization: Bearer <令牌>"',
  'auth.missingShort': () => '缺少凭据',
  'auth.executorToken': () => '执行器令牌只用于连接执行器（/ws/executor）；REST API 请使用 API 令牌',
  'auth.badToken': () => '令牌无效、已过期或已被吊销',
  'auth.sessionEnded': () => '你的会话已结束：请重新登录',
  'auth.csrf': (p) => `${p.header} 请求头缺失或错误：每次修改都请发送登录时获得的 csrf_token`,
  'auth.wrongPassword': () => '用户名或密码错误',
  'auth.notAUser': () => '只有已登录的用户才有可修改的密码',
  'auth.currentPassword': () => 'current_password 不正确',
  'executor.noneOnline': () => '没有在线的执行器',
  'executor.noneNamed': (p) => `任务指定的执行器都不在线（${p.names}）`,
  'executor.noHandler': (p) => `没有在线执行器提供处理函数 '${p.handler}'`,
  'executor.noHandlerYet': (p) => `还没有在线执行器提供处理函数 '${p.handler}'`,
  'executor.noRunner': (p) => `没有在线执行器带有 '${p.type}' 运行器`,
  'executor.noLabels': (p) => `没有在线执行器带有标签 ${p.labels}`,
  'executor.atCapacity': () => '所有符合条件的执行器都已满载',
  'task.warning.noExecutor': (p) => `${p.reason}：它的执行会等待，并在 dispatch_timeout_seconds（${p.seconds} 秒）后以 no_executor 原因失败`,

  'run.stopped': () => '已按请求停止',
  'run.killed': () => '已按请求强制终止',
  'run.replaced': () => '已被更新的一次触发替换',
  'run.notConnected': (p) => `${p.stop}；执行器当时未连接`,
  'run.taskDeleted': () => '任务已删除',
  'run.noExecutor': (p) => `在 ${p.seconds} 秒内（dispatch_timeout_seconds）没有执行器能接收它：${p.reason}`,
  'run.waitingForShardExecutor': (p) => `等待执行器 ${p.executor}（广播分片）`,
  'run.waitingForQueue': () => '等待此任务的上一次执行结束（排队）',
  'run.disconnectedBeforeDelivery': () => '执行送达之前执行器已断开连接',
  'run.executorRestarted': () => '执行运行期间执行器重启了',
  'run.pushFailed': (p) => `推送到 ${p.url} 失败：${p.error}`,
  'run.deadlinePassed': () => '截止时间前未收到执行器的结果',
  'run.heartbeatsStopped': (p) => `执行器 '${p.name}' 停止发送心跳`,
  'run.exitCode': (p) => `退出码为 ${p.code}`,
  'run.signal': (p) => `被信号 ${p.signal} 终止`,
  'run.timedOut': (p) => `运行 ${p.seconds} 秒后超时`,
  'run.noRunner': (p) => `此执行器没有 '${p.type}' 运行器`,
  'run.runnerCrashed': (p) => `运行器崩溃：${p.error}`,
  'run.executorFailed': (p) => `执行器未能运行它：${p.error}`,
  'run.couldNotStart': (p) => `无法启动 '${p.command}'${p.user ? `（以用户 ${p.user} 身份）` : ''}：${p.error}`,
  'run.noWorkdir': (p) => `工作目录 '${p.cwd}' 不存在或不是目录`,
  'run.httpStatus': (p) => `意外的 HTTP 状态码 ${p.status}${p.expected ? `（期望 ${p.expected}）` : ''}`,
  'run.requestFailed': (p) => `${p.method} ${p.url} 请求失败：${p.error}`,

  'httpExecutor.runner': (p) => `runners：'${p.runner}' 既不是任务类型（${p.types}），也不是 'handler:<名称>'`,
  'httpExecutor.url': (p) => `${p.field} 必须是 http:// 或 https:// URL，而不是 '${p.value}'`,
  'httpExecutor.capacity': (p) => `metadata.capacity 必须是 1 到 10000 之间的整数，而不是 ${p.value}`,
  'httpExecutor.agentInstance': (p) => `instance_id '${p.instanceId}' 属于一个代理执行器`,
  'httpExecutor.agentInstanceStored': (p) => `instance_id '${p.instanceId}' 属于一个代理执行器；请为此 HTTP 执行器换一个 instance_id`,
  'httpExecutor.changedWhileRegistering': (p) => `执行器 '${p.instanceId}' 在注册过程中发生了变化；请重试`,
  'callback.unsigned': () => '缺少签名：请发送 X-Cronfleet-Executor、X-Cronfleet-Timestamp、X-Cronfleet-Nonce 和 X-Cronfleet-Signature（v2=<用回调密钥计算的 HMAC-SHA256 十六进制值>，见 README 中关于 HTTP 执行器的部分）',
  'callback.v1': () => 'X-Cronfleet-Signature 必须是 v2 签名（它涵盖路由、执行、时间戳和 nonce）；不再接受 v1',
  'callback.nonce': () => 'X-Cronfleet-Nonce 必须是 16 到 64 个由 A-Z、a-z、0-9、_ 和 - 组成的字符，且每次请求都不同',
  'callback.timestamp': (p) => `X-Cronfleet-Timestamp 必须是当前的 Unix 时间（秒），与服务器时钟相差不超过 ${p.seconds} 秒`,
  'callback.badSignature': () => '此执行器和执行的签名无效',
  'callback.replayed': () => '此回调之前已被接受（其 nonce 已用过）：每次请求都请用新的 nonce 签名',
  'callback.notAssigned': (p) => `执行 '${p.id}' 没有分派给签名此回调的执行器`,
  'callback.notRunning': (p) => `执行 '${p.id}' 不在运行中（${p.status}）`,

  'logs.textFollow': () => 'format：text 是日志当前的全文；follow 以 JSON 行持续推送，二者不能同时使用',
  'web.noFile': (p) => `没有文件 ${p.path}`,
  'web.nothingAt': (p) => `${p.path} 处没有内容`,
  'ready.notReady': (p) => {
    const why: Record<string, string> = { database_unreachable: '无法访问数据库', disk_full: '数据库所在磁盘空间不足', io_error: '数据库存储出现 I/O 错误', busy: '数据库繁忙' };
    return `服务未就绪：${why[p.reason] ?? p.reason}（${p.english}）`;
  },
  'task.unreadable': (p) => `无法读取此任务存储的定义（${p.problem}）；请更新或删除它`,
  'storage.unavailable': (p) => {
    const why: Record<string, string> = { disk_full: '磁盘已满', io_error: '存储 I/O 错误', unreachable: '无法连接数据库' };
    return `数据库暂时不可用（${why[p.reason] ?? p.reason}），请稍后重试：${p.english}`;
  },
  'storage.busy': (p) => `数据库繁忙（锁冲突），请重试：${p.english}`,
  'server.unkeyed': (p) => {
    const kinds: Record<string, string> = {
      internal: '服务器内部错误',
      unavailable: '服务暂不可用',
      invalid_config: '配置无效',
      database_newer_than_code: '数据库的版本比此 cronfleet 新',
      not_found: '未找到',
      conflict: '冲突',
      unauthorized: '未通过身份验证',
      forbidden: '没有权限',
    };
    return `${kinds[p.code] ?? '请求失败'}（${p.code}）：${p.english}`;
  },

  'channel.unknownField': (p) => `config.${p.field}：${p.type} 类型的通知渠道没有这个设置（可用设置：${p.fields}）`,
  'channel.fieldRequired': (p) => `config.${p.field}：${p.type} 类型的通知渠道必须填写`,
  'channel.noSecretToKeep': (p) => `config.${p.field}：{"secret":true} 表示保留已存储的值，但当前没有存储值，请填写该值`,
  'channel.fieldText': (p) => `config.${p.field}：必须是不超过 2000 个字符的字符串`,
  'channel.fieldUrl': (p) => `config.${p.field}：必须是 http:// 或 https:// 开头的 URL`,
  'channel.fieldPort': (p) => `config.${p.field}：必须是 1 到 65535 之间的端口号`,
  'channel.fieldBoolean': (p) => `config.${p.field}：必须是 true 或 false`,
  'channel.fieldEmails': (p) => `config.${p.field}：必须是一个邮箱地址，或 1 到 50 个邮箱地址的列表`,
  'channel.typeChange': () => 'type：通知渠道创建后不能更改类型；如需其他类型请新建渠道',
  'channel.notFound': (p) => `通知渠道“${p.id}”不存在`,
  'channel.refusedDestination': (p) => `目标地址被拒绝：${p.reason}`,
  'alert.testTitle': (p) => `cronfleet 测试消息（通知渠道“${p.name}”）`,
  'alert.testBody': () => '收到这条消息，说明 cronfleet 能够送达这个通知渠道。',
  'alert.titleFailed': (p) => `【cronfleet】任务 ${p.task} 执行失败`,
  'alert.titleTimeout': (p) => `【cronfleet】任务 ${p.task} 执行超时`,
  'alert.titleExecutorLost': (p) => `【cronfleet】任务 ${p.task} 运行中执行器失联`,
  'alert.titleNoExecutor': (p) => `【cronfleet】任务 ${p.task} 没有可用的执行器`,
  'alert.titleMisfire': (p) => `【cronfleet】任务 ${p.task} 错过了一次计划执行`,
  'alert.titleRecovered': (p) => `【cronfleet】任务 ${p.task} 已恢复`,
  'alert.titleExecutorBack': (p) => `【cronfleet】执行器 ${p.executor} 已重新上线`,
  'alert.titleConsecutive': (p) => `【cronfleet】任务 ${p.task} 连续失败 ${p.count} 次`,
  'alert.titleNoSuccess': (p) => `【cronfleet】任务 ${p.task} 已超过 ${p.minutes} 分钟没有成功执行`,
  'alert.titleExecutorOffline': (p) => `【cronfleet】执行器 ${p.executor} 已离线`,
  'alert.titleNoLeader': () => '【cronfleet】没有实例持有 leader 租约：所有任务都不会触发',
  'alert.titleLeaderBack': () => '【cronfleet】已有实例重新成为 leader：任务恢复触发',
  'alert.lineRule': (p) => `告警规则：${p.rule}`,
  'alert.lineStatus': (p) => `状态：${p.status}`,
  'alert.lineError': (p) => `错误：${p.error}`,
  'alert.lineScheduled': (p) => `计划时间：${p.at}`,
  'alert.lineEnded': (p) => `结束时间：${p.at}`,
  'alertRule.channelMissing': (p) => `channel_ids：通知渠道“${p.id}”不存在`,
  'alertRule.taskMissing': (p) => `task_ids：任务“${p.id}”不存在`,
  'alertRule.needsCount': () => 'consecutive_failures：events 包含 consecutive_failures 时必须填写（2 到 1000）',
  'alertRule.needsSeconds': () => 'no_success_seconds：events 包含 no_success 时必须填写（60 到 31536000）',
  'alertRule.notFound': (p) => `告警规则“${p.id}”不存在`,
};
