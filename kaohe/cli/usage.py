"""Usage errors of the `kaohe` command in Chinese, with click's English kept beside (as the help is)."""

import re

import click

# click's messages (click 8) → the Chinese said first; the English follows unchanged.
PATTERNS = (
    (r"Missing argument '(?P<a>[^']+)'\.", "缺少参数 {a}"),
    (r"Missing option '(?P<a>[^']+)'\.", "缺少选项 {a}"),
    (r"Missing parameter '(?P<a>[^']+)'\.", "缺少参数 {a}"),
    (r"Missing command\.", "缺少子命令"),
    (r"No such option:? '?(?P<a>[^'\s]+?)'?\.?(?: Did you mean '?(?P<b>[^'\s?]+)'?\?)?"
     r"(?: \(Possible options: (?P<c>.*)\))?$", "没有选项 {a}"),
    (r"No such command:? '?(?P<a>[^'\s]+?)'?\.?(?: Did you mean '?(?P<b>[^'\s?]+)'?\?)?$", "没有子命令 {a}"),
    (r"Got unexpected extra arguments? \((?P<a>.*)\)", "多余的参数：{a}"),
    (r"Option '(?P<a>[^']+)' requires (?:an argument|\d+ arguments)\.", "选项 {a} 后面须有值"),
    (r"Invalid value for '(?P<a>[^']+)': '(?P<b>.*)' is not one of (?P<c>.*)\.", "{a} 的值「{b}」无效，应为 {c} 之一"),
    (r"Invalid value for '(?P<a>[^']+)': '(?P<b>.*)' is not a valid integer\.", "{a} 的值「{b}」不是整数"),
    (r"Invalid value for '(?P<a>[^']+)': '(?P<b>.*)' is not a valid float\.", "{a} 的值「{b}」不是数字"),
    (r"Invalid value for '(?P<a>[^']+)': (?P<b>.*) is not in the range (?P<c>.*)\.", "{a} 的值 {b} 超出范围 {c}"),
    (r"Invalid value for '(?P<a>[^']+)': (?:File|Path) '(?P<b>.*)' does not exist\.", "{a}：文件「{b}」不存在"),
    (r"Invalid value for '(?P<a>[^']+)': (?P<b>.*)", "{a} 的值无效：{b}"),
)


def chinese(message):
    """The Chinese of one of click's usage messages, or '' when it is not one we know."""
    for pattern, words in PATTERNS:
        found = re.match(pattern, message)
        if found:
            text = words.format(**{k: v for k, v in found.groupdict().items()})
            extra = found.groupdict()
            if extra.get("b") and pattern.startswith("No such"):
                text += f"，是否想用 {extra['b']}"
            return text
    return ""


# click ≥ 8.2 answers a group called without a command by showing its help as an "error".
_HELP_SHOWN = getattr(click.exceptions, "NoArgsIsHelpError", ())


def show_usage_error(error):
    """Print a usage error as `kaohe` does all its errors: Chinese first, click's English after."""
    if _HELP_SHOWN and isinstance(error, _HELP_SHOWN):
        error.show()
        return
    context = error.ctx
    if context is not None:
        click.echo(f"用法 {context.get_usage()}", err=True)
        command = context.command_path
        help_option = (context.help_option_names or ["--help"])[0]
        click.echo(f"查看帮助 Help: {command} {help_option}", err=True)
    message = error.format_message()
    words = chinese(message)
    click.echo(f"错误：{words}。Error: {message}" if words else f"错误 Error: {message}", err=True)
