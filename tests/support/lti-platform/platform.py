"""An LTI 1.3 platform (an LMS's side of LTI) for Dockyard's tests, built on PyPI's lti1p3platform.

The package does the protocol: the third-party login initiation URL (OIDCLoginAbstract), the signed id_token of a
resource link or deep linking launch and its auto-submitted form (LTIAdvantageMessageLaunchAbstract), and the
verification of the tool's Deep Linking response against the tool's JWKS (LTI1P3PlatformConfAbstract). This file
adds what a real LMS has around it: an HTTP server, several platforms (issuers) at once, LTI Dynamic Registration,
and test-control endpoints under /control to set up a launch and read what the platform recorded.

A test sets up a launch (who, with which roles, in which course, which message, and optionally a fault: a bad
signature, a replayed nonce, an unknown deployment id, an expired token), then opens /p/<name>/launch/<id> like a
browser: it redirects to the tool's login URL, the tool redirects back to /p/<name>/authorize, which answers with
the auto-submitted id_token form for the tool's launch URL.

Assignment and Grade Services and Names and Role Provisioning live in services.py beside this file, when present:
its mount(platform) gets this module and adds routes (@platform.route, server.py) and launch claims
(platform.CLAIM_HOOKS), using PLATFORMS, record() and the answers (as_json, HttpError, …) re-exported here.

Run: python platform.py [port]   (127.0.0.1 only; default 9401)
"""

from __future__ import annotations

import secrets
import sys
import threading
import typing as t

# This file runs as a script, so its folder comes first on sys.path: the standard library's `platform` is loaded
# now, before anything imports it, so that this file's name never hides it.
_here = sys.path.pop(0)
import platform as _stdlib_platform  # noqa: E402,F401  pylint: disable=unused-import
sys.path.insert(0, _here)

from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import rsa  # noqa: E402
from lti1p3platform.ltiplatform import LTI1P3PlatformConfAbstract  # noqa: E402
from lti1p3platform.message_launch import LTIAdvantageMessageLaunchAbstract  # noqa: E402
from lti1p3platform.oidc_login import OIDCLoginAbstract  # noqa: E402
from lti1p3platform.registration import Registration  # noqa: E402
from lti1p3platform.request import Request  # noqa: E402

import dynamic_registration  # noqa: E402
from server import ROUTES, HttpError, as_json, auto_post, redirect, respond, route, serve  # noqa: E402,F401  (ROUTES: for services.py)

HOST = "127.0.0.1"
PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 9401
BASE = f"http://{HOST}:{PORT}"
LOCK = threading.Lock()

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
FAULTS = {"bad-signature", "replay-nonce", "wrong-deployment", "expired"}


def new_private_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()


def public_of(private_pem: str) -> str:
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    return key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


class Platform:
    """One LMS: its issuer, keys, the tool registered with it (by hand or by Dynamic Registration), what it recorded."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.issuer = f"{BASE}/p/{name}"
        self.private_key = new_private_key()
        self.public_key = public_of(self.private_key)
        # Signs the "bad-signature" launches: same kid as the published key, other key material.
        self.rogue_key = new_private_key()
        self.client_id = f"dockyard-{name}-{secrets.token_hex(4)}"
        self.deployment_id = f"deployment-{name}-1"
        self.registration_token = secrets.token_urlsafe(16)
        self.tool: t.Optional[t.Dict[str, t.Any]] = None  # login_url, launch_url, deep_link_url, jwks_url, redirect_uris
        self.last_nonce: t.Optional[str] = None

    def urls(self) -> t.Dict[str, str]:
        return {
            "issuer": self.issuer,
            "clientId": self.client_id,
            "deploymentId": self.deployment_id,
            "authLoginUrl": f"{self.issuer}/authorize",
            "authTokenUrl": f"{self.issuer}/token",
            "jwksUrl": f"{self.issuer}/jwks",
            "openidConfiguration": f"{self.issuer}/.well-known/openid-configuration",
            "registrationToken": self.registration_token,
        }

    def registration(self, private_key: t.Optional[str] = None, deployment_id: t.Optional[str] = None) -> Registration:
        assert self.tool, f"no tool is registered with platform {self.name}"
        published_kid = Registration.get_jwk(self.public_key)["kid"]
        reg = KidRegistration(published_kid)
        reg.set_iss(self.issuer).set_client_id(self.client_id).set_deployment_id(deployment_id or self.deployment_id)
        reg.set_oidc_login_url(self.tool["login_url"]).set_launch_url(self.tool["launch_url"])
        reg.set_deeplink_launch_url(self.tool.get("deep_link_url") or self.tool["launch_url"])
        reg.set_tool_key_set_url(self.tool["jwks_url"])
        reg.set_platform_public_key(self.public_key).set_platform_private_key(private_key or self.private_key)
        return reg


class KidRegistration(Registration):
    """Names the published key's kid whatever key signs (so a rogue signature is found under a known kid)."""

    def __init__(self, kid: str) -> None:
        self.kid = kid

    def get_kid(self) -> t.Optional[str]:
        return self.kid


class PlatformConf(LTI1P3PlatformConfAbstract):
    def init_platform_config(self, **kwargs: t.Any) -> None:
        self.reg: Registration = kwargs["registration"]

    def get_registration_by_params(self, **kwargs: t.Any) -> Registration:
        return self.reg


class PlainRequest(Request):
    def build_metadata(self, request: t.Any) -> t.Any:
        return request


class Login(OIDCLoginAbstract):
    def set_lti_message_hint(self, **kwargs: t.Any) -> None:
        self._lti_message_hint = kwargs["hint"]

    def get_redirect(self, url: str) -> t.Any:
        return redirect(url)


class Launch(LTIAdvantageMessageLaunchAbstract):
    def __init__(self, request: Request, conf: PlatformConf, replace_nonce: t.Optional[str]) -> None:
        super().__init__(request, conf)
        self.replace_nonce = replace_nonce

    def get_preflight_response(self) -> t.Dict[str, t.Any]:
        params = dict(super().get_preflight_response())
        if self.replace_nonce:
            params["nonce"] = self.replace_nonce
        return params

    def render_launch_form(self, launch_data: t.Dict[str, t.Any], **kwargs: t.Any) -> t.Any:
        return auto_post(launch_data["launch_url"], {"id_token": launch_data["id_token"], "state": launch_data["state"]})


# ---- state ----

PLATFORMS: t.Dict[str, Platform] = {}
LAUNCHES: t.Dict[str, t.Dict[str, t.Any]] = {}
RECORDS: t.Dict[str, t.List[t.Any]] = {"launches": [], "deepLinks": [], "registrations": [], "errors": []}
# Called with (launch: Launch, platform, setup) before a launch is signed: services.py adds AGS/NRPS claims.
CLAIM_HOOKS: t.List[t.Callable[[Launch, Platform, t.Dict[str, t.Any]], None]] = []


def record(kind: str, entry: t.Dict[str, t.Any]) -> None:
    with LOCK:
        RECORDS[kind].append(entry)


def platform_named(name: str) -> Platform:
    if name not in PLATFORMS:
        raise HttpError(404, f"no platform {name}")
    return PLATFORMS[name]


# ---- test control ----


@route("POST", "/control/platforms")
def create_platform(req, match):
    """{name, tool?: {loginUrl, launchUrl, deepLinkUrl?, jwksUrl}}: a platform, its tool registered by hand if given."""
    body = req["json"] or {}
    platform = Platform(body["name"])
    if body.get("tool"):
        tool = body["tool"]
        platform.tool = {
            "login_url": tool["loginUrl"],
            "launch_url": tool["launchUrl"],
            "deep_link_url": tool.get("deepLinkUrl"),
            "jwks_url": tool["jwksUrl"],
            "redirect_uris": [tool["launchUrl"]],
        }
    with LOCK:
        PLATFORMS[platform.name] = platform
    return as_json(platform.urls())


@route("POST", "/control/launches")
def create_launch(req, match):
    """{platform, messageType?, user: {id, name?, email?}, roles, context?: {id, title}, resourceLink?: {id, title},
    custom?, presentation?: "iframe" (default) | "window", fault?} -> {id, url}: open url to launch."""
    setup = req["json"] or {}
    platform = platform_named(setup["platform"])
    if setup.get("fault") and setup["fault"] not in FAULTS:
        raise HttpError(400, f"unknown fault {setup['fault']}")
    launch_id = secrets.token_hex(8)
    with LOCK:
        LAUNCHES[launch_id] = setup
    return as_json({"id": launch_id, "url": f"{platform.issuer}/launch/{launch_id}"})


@route("GET", "/control/records")
def read_records(req, match):
    with LOCK:
        return as_json(RECORDS)


@route("GET", "/control/platforms/(?P<name>[^/]+)")
def read_platform(req, match):
    platform = platform_named(match["name"])
    return as_json({**platform.urls(), "tool": platform.tool})


# ---- the platform's side of LTI ----


@route("GET", "/p/(?P<name>[^/]+)/jwks")
def jwks(req, match):
    return as_json({"keys": [Registration.get_jwk(platform_named(match["name"]).public_key)]})


@route("GET", "/p/(?P<name>[^/]+)/launch/(?P<id>[^/]+)")
def initiate_login(req, match):
    """What an LMS does when someone opens the tool's link: third-party login initiation at the tool."""
    platform = platform_named(match["name"])
    setup = LAUNCHES.get(match["id"])
    if setup is None:
        raise HttpError(404, "no such launch")
    deployment = "unknown-deployment" if setup.get("fault") == "wrong-deployment" else None
    login = Login(PlainRequest({}), PlatformConf(registration=platform.registration(deployment_id=deployment)))
    login.set_lti_message_hint(hint=match["id"])
    if setup.get("messageType") == "LtiDeepLinkingRequest":
        login.set_deeplinking_launch_url()
    return login.initiate_login(setup["user"]["id"])


@route("(GET|POST)", "/p/(?P<name>[^/]+)/authorize")
def authorize(req, match):
    """The tool's authentication request: checks it, signs the launch and answers the auto-submitted form."""
    platform = platform_named(match["name"])
    params = {**req["query"], **req["form"]}
    setup = LAUNCHES.get(params.get("lti_message_hint", ""))
    problems = []
    if setup is None:
        problems.append("unknown lti_message_hint")
    else:
        if params.get("login_hint") != setup["user"]["id"]:
            problems.append("login_hint is not the launching user")
        if params.get("redirect_uri") not in platform.tool["redirect_uris"]:
            problems.append(f"redirect_uri {params.get('redirect_uri')} is not registered")
        for name, value in {"scope": "openid", "response_type": "id_token", "response_mode": "form_post", "prompt": "none"}.items():
            if params.get(name) != value:
                problems.append(f"{name} must be {value}")
    if problems:
        record("errors", {"platform": platform.name, "at": "authorize", "problems": problems, "params": params})
        raise HttpError(400, "; ".join(problems))

    fault = setup.get("fault")
    registration = platform.registration(
        private_key=platform.rogue_key if fault == "bad-signature" else None,
        deployment_id="unknown-deployment" if fault == "wrong-deployment" else None,
    )
    launch = Launch(
        PlainRequest({"get_data": params, "form_data": {}}),
        PlatformConf(registration=registration),
        replace_nonce=platform.last_nonce if fault == "replay-nonce" else None,
    )
    user = setup["user"]
    launch.set_user_data(user["id"], setup.get("roles", []), user.get("name"), user.get("email"))
    if setup.get("context"):
        launch.set_launch_context_claim(setup["context"]["id"], ["http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"], setup["context"].get("title"))
    if setup.get("resourceLink"):
        launch.set_resource_link_claim(setup["resourceLink"]["id"], title=setup["resourceLink"].get("title"))
    if setup.get("custom"):
        launch.set_custom_parameters_claim(setup["custom"])
    launch.set_launch_presentation_claim(setup.get("presentation") or "iframe")
    if fault == "expired":
        launch.set_id_token_expiration(-120)
    if setup.get("messageType") == "LtiDeepLinkingRequest":
        launch.set_dl(f"{platform.issuer}/deep-link-return", title="Add lessons", accept_types={"ltiResourceLink"}, extra_data={"launch": params["lti_message_hint"]})
    for hook in CLAIM_HOOKS:
        hook(launch, platform, setup)
    answer = launch.lti_launch()
    if fault is None:  # a nonce the tool has seen used, for a later "replay-nonce" launch
        platform.last_nonce = params.get("nonce")
    record("launches", {"platform": platform.name, "launch": params["lti_message_hint"], "nonce": params.get("nonce"), "fault": fault})
    return answer


@route("POST", "/p/(?P<name>[^/]+)/deep-link-return")
def deep_link_return(req, match):
    """The tool's LtiDeepLinkingResponse: verified against the tool's JWKS, its content items recorded."""
    platform = platform_named(match["name"])
    conf = PlatformConf(registration=platform.registration())
    conf.get_registration()
    try:
        items = conf.validate_deeplinking_resp({"JWT": req["form"].get("JWT", "")})
        claims = conf._jwt["body"]  # pylint: disable=protected-access  (the package decoded and verified it above)
        if claims.get("aud") not in (platform.issuer, [platform.issuer]):
            raise ValueError(f"aud {claims.get('aud')} is not {platform.issuer}")
        if claims.get("iss") != platform.client_id:
            raise ValueError(f"iss {claims.get('iss')} is not the client id {platform.client_id}")
        if claims.get(LTI + "deployment_id") != platform.deployment_id:
            raise ValueError("deployment_id is not this platform's")
    except Exception as error:  # what the platform refused is what the test reads
        record("errors", {"platform": platform.name, "at": "deep-link-return", "problems": [str(error) or type(error).__name__]})
        raise HttpError(400, f"deep linking response refused: {error}") from error
    data = claims.get("https://purl.imsglobal.org/spec/lti-dl/claim/data")
    record("deepLinks", {"platform": platform.name, "items": items, "data": data, "message": claims.get("https://purl.imsglobal.org/spec/lti-dl/claim/msg")})
    return respond(200, f"<!doctype html><p>Added {len(items)} item(s).</p>", "text/html; charset=utf-8")


if __name__ == "__main__":
    dynamic_registration.mount(sys.modules[__name__])
    try:
        import services  # type: ignore  # AGS and NRPS (helper L2), beside this file

        services.mount(sys.modules[__name__])
    except ModuleNotFoundError as missing:
        if missing.name != "services":
            raise
    print(f"lti platform on {BASE}", flush=True)
    serve(HOST, PORT)
