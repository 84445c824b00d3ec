"""The demo: a throwaway reference HQ, a bridge and the kiosk wired together.

The one package allowed to import kiosk, bridge and hq alike; nothing else imports it;
it has its own command, `vitrine-demo`.
"""
