"""LTI Dynamic Registration, the platform's side, for the tests' LMS (platform.py mounts it): the OpenID
configuration a tool reads, and the registration endpoint that takes the tool's registration (with the bearer
registration token), stores its URLs as the platform's tool, and answers its client id and deployment id."""

from __future__ import annotations

import typing as t

TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"


def mount(p: t.Any) -> None:
    """Adds the routes to platform.py's table (`p` is that module)."""

    @p.route("GET", "/p/(?P<name>[^/]+)/\\.well-known/openid-configuration")
    def openid_configuration(req, match):
        platform = p.platform_named(match["name"])
        return p.as_json(
            {
                "issuer": platform.issuer,
                "authorization_endpoint": f"{platform.issuer}/authorize",
                "token_endpoint": f"{platform.issuer}/token",
                "token_endpoint_auth_methods_supported": ["private_key_jwt"],
                "token_endpoint_auth_signing_alg_values_supported": ["RS256"],
                "jwks_uri": f"{platform.issuer}/jwks",
                "registration_endpoint": f"{platform.issuer}/register",
                "scopes_supported": ["openid"],
                "response_types_supported": ["id_token"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "claims_supported": ["sub", "iss", "name", "email"],
                "https://purl.imsglobal.org/spec/lti-platform-configuration": {
                    "product_family_code": "lti1p3platform-tests",
                    "version": "0.1.8",
                    "messages_supported": [{"type": "LtiResourceLinkRequest"}, {"type": "LtiDeepLinkingRequest"}],
                },
            }
        )

    @p.route("POST", "/p/(?P<name>[^/]+)/register")
    def register(req, match):
        platform = p.platform_named(match["name"])
        if req["headers"].get("authorization") != f"Bearer {platform.registration_token}":
            p.record("errors", {"platform": platform.name, "at": "register", "problems": ["bad registration token"]})
            raise p.HttpError(401, "bad registration token")
        body = req["json"] or {}
        config = body.get(TOOL_CONFIGURATION, {})
        problems = [f"missing {k}" for k in ("initiate_login_uri", "redirect_uris", "jwks_uri", "client_name") if not body.get(k)]
        if body.get("token_endpoint_auth_method") != "private_key_jwt":
            problems.append("token_endpoint_auth_method must be private_key_jwt")
        if not config.get("target_link_uri"):
            problems.append("missing the LTI tool configuration's target_link_uri")
        if problems:
            p.record("errors", {"platform": platform.name, "at": "register", "problems": problems})
            raise p.HttpError(400, "; ".join(problems))
        deep_link = next((m.get("target_link_uri") for m in config.get("messages", []) if m.get("type") == "LtiDeepLinkingRequest"), None)
        platform.tool = {
            "login_url": body["initiate_login_uri"],
            "launch_url": config["target_link_uri"],
            "deep_link_url": deep_link,
            "jwks_url": body["jwks_uri"],
            "redirect_uris": body["redirect_uris"],
        }
        p.record("registrations", {"platform": platform.name, "request": body})
        return p.as_json({**body, "client_id": platform.client_id, TOOL_CONFIGURATION: {**config, "deployment_id": platform.deployment_id}})
