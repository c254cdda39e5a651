"""Real local servers for tests, benchmarks and demos: an SMSC, an HTTP SMS gateway, a voice
robot, WeCom/DingTalk robots. Each listens on 127.0.0.1 (port 0 picks a free one) and
honours a client reference, so a resend after a crash is detected and counted."""
