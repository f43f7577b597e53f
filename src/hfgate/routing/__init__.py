"""Where a call goes: a model id resolved into an endpoint and a format (`resolve`), the
BYOK settings files (`settings/`), the router's model catalog and the prices of a call."""
