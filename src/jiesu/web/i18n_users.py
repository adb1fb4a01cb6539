"""English of the staff-account pages (编辑用户, 停用/启用, 重置密码, 修改密码) and of the
messages the account rules give. `jiesu.web.i18n` merges these in."""

from __future__ import annotations

EN: dict[str, str] = {
    # the admin's page for one user
    "编辑用户": "Edit user", "编辑": "Edit", "启用中": "Active", "已停用": "Deactivated",
    "密码最近修改": "Password last changed", "未修改过": "Never changed",
    "管理员最近修改": "Last changed by an administrator", "基本信息": "Details",
    "手机号": "Mobile phone", "选填，用于短信提醒": "Optional, for text messages",
    "选填。该用户是企业的精准帮扶联系人时，其帮扶企业有新诉求或诉求办理超期，将短信提醒到此号码；"
    "留空则不发送。":
        "Optional. When the user is an enterprise's support liaison, a new appeal of the "
        "enterprise, or one past its handling deadline, is texted to this number; left empty, "
        "nothing is sent.",
    "承办人和网格员必须属于一个单位；其他角色可留空。":
        "Handlers and grid workers must belong to a unit; for other roles it may be empty.",
    "重置密码": "Reset password", "新密码": "New password",
    "至少 {n} 位。重置后该用户原有的登录和 API 令牌随即失效，须用新密码重新登录。":
        "At least {n} characters. The user's sessions and API tokens end at once: they sign "
        "in again with the new password.",
    "停用与启用": "Deactivate and reactivate", "停用账号": "Deactivate account",
    "停用后该用户不能登录，已登录的页面和 API 令牌随即失效（其他服务进程最迟 30 秒）。"
    "其办理记录保留，可随时重新启用。确定停用？":
        "Once deactivated the user cannot sign in, and their open pages and API tokens stop "
        "working (in other server processes within 30 seconds). Their records stay; the "
        "account can be reactivated at any time. Deactivate it?",
    "确认停用": "Deactivate now",
    "该账号已停用，不能登录。启用后需重新登录。":
        "This account is deactivated and cannot sign in. Once reactivated, the user signs in "
        "again.",
    "启用账号": "Reactivate account",
    "这是您自己的账号：修改自己的密码请使用": "This is your own account: change your password with",
    # one's own password
    "修改密码": "Change password", "当前密码": "Current password",
    "再次输入新密码": "New password again",
    "至少 {n} 位，不能与当前密码相同。"
    "修改后，您在其他设备上的登录和 API 令牌随即失效，本页面保持登录。":
        "At least {n} characters, not the current password. Once changed, your sessions on "
        "other devices and your API tokens end; this page stays signed in.",
    # what happened
    "用户信息已保存": "User saved",
    "账号已停用：该用户不能再登录，已登录的页面和令牌随即失效":
        "Account deactivated: the user can no longer sign in, and their sessions and tokens "
        "end",
    "账号已启用": "Account reactivated",
    "密码已重置：请把新密码告知该用户，其原有的登录随即失效":
        "Password reset: tell the user the new one; their earlier sessions end",
    "密码已修改。其他设备上的登录和 API 令牌已失效，需用新密码重新登录":
        "Password changed. Sessions on other devices and API tokens have ended: sign in there "
        "with the new password",
    # the account rules (services/users.py, services/auth.py)
    "两次输入的新密码不一致": "The two new passwords differ",
    "不能修改自己的角色，请由另一位管理员修改":
        "You cannot change your own role: ask another administrator",
    "不能停用自己的账号": "You cannot deactivate your own account",
    "至少要保留一位启用的管理员：不能停用最后一位管理员或更改其角色":
        "At least one active administrator must remain: the last one can be neither "
        "deactivated nor given another role",
    "承办人和网格员必须属于一个单位": "Handlers and grid workers must belong to a unit",
    "手机号应为 7–20 位数字，用于接收短信提醒":
        "The mobile phone needs 7–20 digits: text messages are sent to it",
    "修改自己的密码请使用“修改密码”（需输入当前密码）":
        "Change your own password with “Change password” (it asks for the current one)",
    "当前密码不正确": "The current password is wrong",
    "新密码不能与当前密码相同": "The new password must differ from the current one",
    "密码至少需要 6 位": "The password needs at least 6 characters",
    "密码刚被修改或重置，未作任何修改，请重新登录后再试":
        "The password was just changed or reset: nothing was changed; sign in again and retry",
    "账号不存在或已停用": "The account does not exist or is deactivated",
    "账号已停用，请联系管理员": "This account is deactivated: please contact an administrator",
    "密码已修改或账号已停用过，请重新登录":
        "The password was changed or the account deactivated since: please sign in again",
    "登录已失效：密码已修改或账号已停用，请重新登录":
        "Your sign-in has ended: the password was changed or the account deactivated. Please "
        "sign in again",
    "显示名称不能为空": "The display name cannot be empty",
    "无效的登录凭证": "Invalid credentials",
    "登录已过期，请重新登录": "Signed out: please sign in again",
}
