"""The notification channels beyond the inbox: e-mail (and the weekly digest) and the teams' group
robots (WeCom, DingTalk, Feishu), sent as background tasks with retries and logged as deliveries."""
