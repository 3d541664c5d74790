// The CLI's own messages, in English and Simplified Chinese, chosen by the user's locale
// (LC_ALL, LC_MESSAGES, LANG) as the server's are by the Accept-Language the client sends
// from it (client.ts). Words only: what a script reads, the exit status and the JSON or
// YAML output, does not change with the language.
import type { MessageLocale } from '../protocol/messages/index.ts';

/**
 * The language of the user's messages as a BCP 47 tag, from the POSIX locale variables in
 * their order of precedence (LC_ALL, LC_MESSAGES, LANG): `zh_CN.UTF-8` reads `zh-CN`,
 * `en_US.UTF-8` `en-US`; `C`, `POSIX` or nothing send no preference (English).
 */
export function languageOfLocale(env: NodeJS.ProcessEnv): string | null {
  const locale = [env.LC_ALL, env.LC_MESSAGES, env.LANG].find((value) => value !== undefined && value !== '');
  const match = /^([A-Za-z]{2,3})(?:_([A-Za-z]{2}|\d{3}))?(?:[.@]|$)/.exec(locale ?? '');
  if (!match || locale === 'C' || locale === 'POSIX') return null;
  return match[2] ? `${match[1]!.toLowerCase()}-${match[2].toUpperCase()}` : match[1]!.toLowerCase();
}

/** The catalog a message is worded from: Chinese for any zh locale, else English. */
export function messageLocale(env: NodeJS.ProcessEnv = process.env): MessageLocale {
  return languageOfLocale(env)?.startsWith('zh') ? 'zh-CN' : 'en';
}

type Params = Record<string, string | number>;

const en = {
  'client.tokenHint': () => '  pass an API token with --token TOKEN or the environment variable CRONFLEET_TOKEN (make one with `cronfleet token create`, or use the admin token in DATA_DIR/admin-token)',
  'input.unreadable': (p: Params) => `cannot read ${p.path}: ${p.problem}`,
  'apply.emptyDirectory': (p: Params) => `${p.path} holds no .yaml, .yml or .json file`,
  'apply.notYaml': (p: Params) => `${p.source} is not valid YAML or JSON: ${p.problem}`,
  'apply.notATask': (p: Params) => `${p.source}: a task must be an object (name, cron_expression, command, …)`,
  'apply.selector': (p: Params) => `--selector must look like tag=KEY, got '${p.selector}'`,
  'apply.pruneNeedsSelector': () => '--prune needs --selector tag=KEY: only the tasks carrying that tag are deleted',
  'apply.duplicate': (p: Params) => `task '${p.name}' is defined twice: in ${p.first} and in ${p.second}`,
  'apply.status': (p: Params) => `${p.source}: status must be active or paused, got ${p.status}`,
  'apply.failed': (p: Params) => `failed to ${p.action}`,
  'apply.action.create': () => 'create',
  'apply.action.update': () => 'update',
  'apply.action.unchanged': () => 'unchanged',
  'apply.action.delete': () => 'delete',
  'apply.done.create': () => 'created',
  'apply.done.update': () => 'updated',
  'apply.done.unchanged': () => 'unchanged',
  'apply.done.delete': () => 'deleted',
  'apply.summary.plan': (p: Params) => `plan: ${p.create} to create, ${p.update} to update, ${p.unchanged} unchanged, ${p.delete} to delete`,
  'apply.summary.done': (p: Params) => `${p.create} created, ${p.update} updated, ${p.unchanged} unchanged, ${p.delete} deleted, ${p.failed} failed`,
  'export.unreadable': (p: Params) => `not exported: ${p.name}: ${p.problem}`,
  'crontab.timezone': (p: Params) => `--timezone: '${p.timezone}' is not an IANA time zone name (such as Europe/Berlin or UTC)`,
  'crontab.mail': () => 'cronfleet sends no mail: send failures to an alert channel instead (README "Alerts")',
  'crontab.reboot': () => '@reboot has no equivalent: cronfleet runs tasks on a schedule or on demand, not at a machine’s start (use a systemd unit)',
  'crontab.nickname': (p: Params) => `unknown nickname ${p.nickname}`,
  'crontab.shapeUser': () => 'not a crontab line: five time fields and a command expected',
  'crontab.shapeSystem': () => 'not a system crontab line: five time fields, a user and a command expected',
  'crontab.noCommand': () => 'no command',
  'crontab.duplicate': (p: Params) => `the same line as ${p.source}`,
  'crontab.skippedHeader': (p: Params) => `not imported (${p.count}):`,
  'trigger.waiting': (p: Params) => `waiting for execution ${p.id} to end…`,
  'trigger.outcome': (p: Params) => `execution ${p.id} ended ${p.status}${p.error ? `: ${p.error}` : ''}`,
  'trigger.timeout': (p: Params) => `gave up waiting for execution ${p.id} (still ${p.status}); it goes on running`,
  'logs.cut': (p: Params) => `the log stream of execution ${p.id} ended before the execution did; its outcome is unknown`,
  'executor.drained': (p: Params) => `${p.name} (${p.id}): maintenance; what runs there finishes, nothing new is sent`,
  'executor.resumed': (p: Params) => `${p.name} (${p.id}): online`,
} satisfies Record<string, (p: Params) => string>;

export type CliMessageKey = keyof typeof en;

const zhCN: Record<CliMessageKey, (p: Params) => string> = {
  'client.tokenHint': () => '  请用 --token TOKEN 或环境变量 CRONFLEET_TOKEN 提供 API 令牌（用 `cronfleet token create` 创建，或使用 DATA_DIR/admin-token 中的管理员令牌）',
  'input.unreadable': (p) => `无法读取 ${p.path}：${p.problem}`,
  'apply.emptyDirectory': (p) => `${p.path} 中没有 .yaml、.yml 或 .json 文件`,
  'apply.notYaml': (p) => `${p.source} 不是有效的 YAML 或 JSON：${p.problem}`,
  'apply.notATask': (p) => `${p.source}：任务必须是对象（name、cron_expression、command 等）`,
  'apply.selector': (p) => `--selector 的格式应为 tag=KEY，收到的是 '${p.selector}'`,
  'apply.pruneNeedsSelector': () => '--prune 需要 --selector tag=KEY：只删除带有该标签的任务',
  'apply.duplicate': (p) => `任务 '${p.name}' 定义了两次：在 ${p.first} 和 ${p.second} 中`,
  'apply.status': (p) => `${p.source}：status 必须是 active 或 paused，收到的是 ${p.status}`,
  'apply.failed': (p) => `${p.action}失败`,
  'apply.action.create': () => '创建',
  'apply.action.update': () => '更新',
  'apply.action.unchanged': () => '不变',
  'apply.action.delete': () => '删除',
  'apply.done.create': () => '已创建',
  'apply.done.update': () => '已更新',
  'apply.done.unchanged': () => '不变',
  'apply.done.delete': () => '已删除',
  'apply.summary.plan': (p) => `计划：创建 ${p.create} 个，更新 ${p.update} 个，不变 ${p.unchanged} 个，删除 ${p.delete} 个`,
  'apply.summary.done': (p) => `已创建 ${p.create} 个，已更新 ${p.update} 个，不变 ${p.unchanged} 个，已删除 ${p.delete} 个，失败 ${p.failed} 个`,
  'export.unreadable': (p) => `未导出：${p.name}：${p.problem}`,
  'crontab.timezone': (p) => `--timezone：'${p.timezone}' 不是 IANA 时区名（例如 Asia/Shanghai 或 UTC）`,
  'crontab.mail': () => 'cronfleet 不发送邮件：请改用告警渠道通知失败（见 README“告警”）',
  'crontab.reboot': () => '@reboot 没有对应功能：cronfleet 按计划或按需运行任务，不在机器启动时运行（请使用 systemd 单元）',
  'crontab.nickname': (p) => `未知的别名 ${p.nickname}`,
  'crontab.shapeUser': () => '不是 crontab 行：应为五个时间字段加命令',
  'crontab.shapeSystem': () => '不是系统 crontab 行：应为五个时间字段、用户名加命令',
  'crontab.noCommand': () => '没有命令',
  'crontab.duplicate': (p) => `与 ${p.source} 是同一行`,
  'crontab.skippedHeader': (p) => `未导入（${p.count} 行）：`,
  'trigger.waiting': (p) => `正在等待执行 ${p.id} 结束…`,
  'trigger.outcome': (p) => `执行 ${p.id} 以 ${p.status} 结束${p.error ? `：${p.error}` : ''}`,
  'trigger.timeout': (p) => `不再等待执行 ${p.id}（仍为 ${p.status}）；它会继续运行`,
  'logs.cut': (p) => `执行 ${p.id} 的日志流在执行结束前中断；结果未知`,
  'executor.drained': (p) => `${p.name}（${p.id}）：维护中；正在运行的会完成，不再分派新的执行`,
  'executor.resumed': (p) => `${p.name}（${p.id}）：在线`,
};

/** A CLI message in the user's language. */
export function say(key: CliMessageKey, params: Params = {}): string {
  return (messageLocale() === 'zh-CN' ? zhCN : en)[key](params);
}
