"""LTI Advantage services of the tests' LMS (platform.py mounts this module): Assignment and Grade Services and Names
and Role Provisioning, on PyPI's lti1p3platform.

The package does the protocol: the OAuth 2 token endpoint (get_access_token verifies the tool's JWT client assertion
against the tool's JWKS and signs the access token), the bearer check of each service request (validate_token), and
the line item, score and membership container handlers (AssignmentsGradesService, NamesRoleProvisioningService).
This file keeps what they store: a course's line items, the scores the tool posted, the rosters a test sets up.

Routes, under the platform's issuer /p/<name>:
  POST /token                                         client_credentials with a client assertion (RFC 7523)
  GET|POST /contexts/<ctx>/lineitems                  list (filters resource_link_id, resource_id, tag; paged) / create
  GET /contexts/<ctx>/lineitems/<id>                  one line item
  POST /contexts/<ctx>/lineitems/<id>/scores          a score, recorded
  GET /contexts/<ctx>/memberships?limit=N             the roster, N members a page (Link: rel="next")
Test control:
  POST /control/rosters   {platform, context: {id, title}, members: [{user_id, roles, email?, name?, status?}], pageSize?}
  POST /control/scores/down  {failures: N}            the next N score posts answer 503 (the LMS is down)
  GET /control/services                               {scores, lineItems, tokens, scoreRefusals}
A launch into a context carries the NRPS claim and the AGS claim (lineitems; lineitem too when the launch's setup
names one with "lineItem": {"label", "scoreMaximum"}, made for its resource link if new).
"""

from __future__ import annotations

import json
import secrets
import typing as t
from urllib.parse import quote, unquote

from lti1p3platform.exceptions import LineItemNotFoundException, LtiServiceException
from lti1p3platform.request import Request
from lti1p3platform.response import generate_next_link
from lti1p3platform.score import UpdateScoreStatus
from lti1p3platform.service_connector import AssignmentsGradesService, NamesRoleProvisioningService
from lti1p3platform.membership import Context

AGS = "https://purl.imsglobal.org/spec/lti-ags/scope/"
NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

P: t.Any = None  # the platform module (platform.py), set by mount()
# (platform, context id) -> {id, title, members, page_size}
ROSTERS: t.Dict[t.Tuple[str, str], t.Dict[str, t.Any]] = {}
# line item url -> line item (its "id" is its url); scores, token grants and refused score posts, in order
LINE_ITEMS: t.Dict[str, t.Dict[str, t.Any]] = {}
RECORDED: t.Dict[str, t.List[t.Any]] = {"scores": [], "tokens": [], "scoreRefusals": []}
DOWN = {"failures": 0}


class Headers(dict):
    """The server's headers (lower-cased names), read by any case as HTTP means (the package asks for "Authorization")."""

    def get(self, key: str, default: t.Any = None) -> t.Any:
        return super().get(key.lower(), default)


class ServiceRequest(Request):
    def build_metadata(self, request: t.Any) -> t.Any:
        query = {k: int(v) if k in ("page", "limit") and v.isdigit() else v for k, v in request["query"].items()}
        headers = Headers(request["headers"])
        return {**request, "headers": headers, "get_data": query, "form_data": request["form"], "content_type": headers.get("content-type")}


def conf_of(platform: t.Any) -> t.Any:
    conf = P.PlatformConf(registration=platform.registration())
    conf.get_registration()
    return conf


def answer(response: t.Any, link: t.Optional[str] = None):
    """The package's Response as the server's (status, body, headers)."""
    if response.code >= 400:
        return P.respond(response.code, json.dumps({"error": response.message}), "application/json")
    headers = {"link": generate_next_link(link)} if link else {}
    body = "" if response.result is None else json.dumps(response.result)
    return P.respond(response.code, body, response.media_type, headers)


def require_scope(req: t.Dict[str, t.Any], platform: t.Any, scope: str) -> None:
    """The bearer token must be this platform's, unexpired, and grant `scope` (the package's validate_token)."""
    auth = req["headers"].get("authorization", "").split()
    ok = False
    if len(auth) == 2 and auth[0].lower() == "bearer":
        try:
            ok = conf_of(platform).validate_token(auth[1], [scope])
        except Exception:  # a bad signature, another issuer, expired: all one answer
            ok = False
    if not ok:
        raise P.HttpError(401, f"a valid access token with scope {scope} is required")


# ---- OAuth 2 token endpoint ----


def token(req, match):
    platform = P.platform_named(match["name"])
    form = req["form"]
    conf = conf_of(platform)
    try:
        if form.get("client_assertion_type") != JWT_BEARER:
            raise ValueError(f"client_assertion_type must be {JWT_BEARER}")
        granted = conf.get_access_token(form)  # verifies the assertion's signature against the tool's JWKS
        claims = conf._jwt["body"]  # pylint: disable=protected-access  (decoded and verified just above)
        if claims.get("iss") != platform.client_id or claims.get("sub") != platform.client_id:
            raise ValueError("the client assertion's iss and sub must be the client id")
        audience = claims.get("aud")
        if f"{platform.issuer}/token" not in (audience if isinstance(audience, list) else [audience]):
            raise ValueError("the client assertion's aud must be the token endpoint")
        if not granted["scope"]:
            raise ValueError(f"none of the scopes asked for is offered: {form.get('scope')}")
    except Exception as error:  # what the platform refused is what the tool is told
        P.record("errors", {"platform": platform.name, "at": "token", "problems": [str(error) or type(error).__name__]})
        return P.respond(400, json.dumps({"error": "invalid_client", "error_description": str(error) or type(error).__name__}), "application/json")
    with P.LOCK:
        RECORDED["tokens"].append({"platform": platform.name, "scope": granted["scope"]})
    return P.as_json(granted)


# ---- Assignment and Grade Services ----


class Gradebook(AssignmentsGradesService):
    def __init__(self, req, platform, context_id: str, scope: str, lineitem_url: t.Optional[str] = None) -> None:
        self.base = f"{platform.issuer}/contexts/{quote(context_id, safe='')}/lineitems"
        super().__init__(ServiceRequest(req), conf_of(platform), self.base, lineitem_url)
        self.scope = scope

    @property
    def allowed_scopes(self) -> t.List[str]:
        return [self.scope]

    def mine(self) -> t.List[t.Dict[str, t.Any]]:
        return [item for url, item in LINE_ITEMS.items() if url.startswith(self.base + "/")]

    def find_lineitems(self, page=1, limit=None, line_item_id=None, resource_link_id=None, resource_id=None, tag=None):
        items = [
            i
            for i in self.mine()
            if (resource_link_id is None or i.get("resourceLinkId") == resource_link_id)
            and (resource_id is None or i.get("resourceId") == resource_id)
            and (tag is None or i.get("tag") == tag)
        ]
        size = limit or len(items) or 1
        start = (page - 1) * size
        return {"content": items[start : start + size], "has_next": start + size < len(items)}

    def find_lineitem(self, line_item_id: str):
        item = LINE_ITEMS.get(f"{self.base}/{line_item_id}")
        if item is None:
            raise LineItemNotFoundException()
        return item

    def create_lineitem(self, creation_data):
        if not isinstance(creation_data, dict) or not creation_data.get("label") or not creation_data.get("scoreMaximum"):
            raise LtiServiceException("a line item needs a label and a scoreMaximum", 400)
        url = f"{self.base}/{secrets.token_hex(6)}"
        item = {**creation_data, "id": url}
        with P.LOCK:
            LINE_ITEMS[url] = item
        return item

    def update_lineitem(self, update_data):
        raise LtiServiceException("not offered", 405)

    def delete_lineitem(self, line_item_id: str):
        raise LtiServiceException("not offered", 405)

    def get_results(self, line_item_id: str, page=1, limit=None, user_id=None):
        raise LtiServiceException("results are not offered", 405)

    def update_score(self, line_item_id: str, score):
        item = self.find_lineitem(line_item_id)
        problems = [f"missing {k}" for k in ("userId", "activityProgress", "gradingProgress", "timestamp") if not score.get(k)]
        if "scoreGiven" in score and not 0 <= score["scoreGiven"] <= score.get("scoreMaximum", -1):
            problems.append("scoreGiven must be between 0 and scoreMaximum")
        if problems:
            raise LtiServiceException("; ".join(problems), 400)
        with P.LOCK:
            earlier = [s for s in RECORDED["scores"] if s["lineItem"] == item["id"] and s["userId"] == score["userId"]]
            if earlier and earlier[-1]["timestamp"] > score["timestamp"]:
                return UpdateScoreStatus.OLD_TIMESTAMP
            RECORDED["scores"].append({"lineItem": item["id"], "label": item.get("label"), **score})
        return UpdateScoreStatus.SUCCESS


def gradebook_of(req, match, scope: str) -> Gradebook:
    platform = P.platform_named(match["name"])
    require_scope(req, platform, scope)
    return Gradebook(req, platform, unquote(match["ctx"]), scope)


def line_items(req, match):
    if req["method"] == "POST":
        book = gradebook_of(req, match, AGS + "lineitem")
        return answer(book.handle_resp(book.handle_create_lineitem))
    book = gradebook_of(req, match, AGS + "lineitem")
    response = book.handle_resp(book.handle_get_lineitems)
    page = response.result or {}
    response.result = page.get("content", [])
    return answer(response, page.get("next"))


def line_item(req, match):
    book = gradebook_of(req, match, AGS + "lineitem")
    return answer(book.handle_resp(book.handle_get_lineitem, line_item_id=match["item"]))


def scores(req, match):
    book = gradebook_of(req, match, AGS + "score")
    with P.LOCK:
        down = DOWN["failures"] > 0
        if down:
            DOWN["failures"] -= 1
            RECORDED["scoreRefusals"].append({"lineItem": match["item"], "score": req["json"]})
    if down:
        return P.respond(503, "The gradebook is down for maintenance.", "text/plain")
    return answer(book.handle_resp(book.handle_update_score, line_item_id=match["item"]))


# ---- Names and Role Provisioning ----


class Roster(NamesRoleProvisioningService):
    def __init__(self, req, platform, roster: t.Dict[str, t.Any]) -> None:
        url = f"{platform.issuer}/contexts/{quote(roster['id'], safe='')}/memberships"
        super().__init__(ServiceRequest(req), conf_of(platform), url)
        self.roster = roster

    def get_member_data_page(self, page=1, limit=None, role=None, since=None):
        members = [m for m in self.roster["members"] if role is None or role in m["roles"]]
        size = limit or len(members) or 1
        start = (page - 1) * size
        return {"content": [dict(m) for m in members[start : start + size]], "has_next": start + size < len(members)}

    def get_context_by_id(self) -> Context:
        return Context(id=self.roster["id"], label=self.roster["title"], title=self.roster["title"])


def memberships(req, match):
    platform = P.platform_named(match["name"])
    require_scope(req, platform, NRPS_SCOPE)
    roster = ROSTERS.get((platform.name, unquote(match["ctx"])))
    if roster is None:
        raise P.HttpError(404, f"no roster for context {match['ctx']}")
    service = Roster(req, platform, roster)
    response = service.handle_resp(service.handle_get_members)
    link = (response.result or {}).pop("next", None)
    return answer(response, link)


# ---- launches carry the services' claims ----


def add_claims(launch, platform, setup: t.Dict[str, t.Any]) -> None:
    context = setup.get("context")
    if not context:
        return
    base = f"{platform.issuer}/contexts/{quote(context['id'], safe='')}"
    roster = ROSTERS.get((platform.name, context["id"]))
    launch.set_nrps(f"{base}/memberships" + (f"?limit={roster['page_size']}" if roster and roster.get("page_size") else ""))
    lineitem_url = None
    wanted = setup.get("lineItem")
    link = (setup.get("resourceLink") or {}).get("id")
    if wanted:
        existing = next((u for u, i in LINE_ITEMS.items() if u.startswith(base + "/lineitems/") and i.get("resourceLinkId") == link), None)
        lineitem_url = existing or f"{base}/lineitems/{secrets.token_hex(6)}"
        with P.LOCK:
            LINE_ITEMS.setdefault(lineitem_url, {**wanted, "id": lineitem_url, "resourceLinkId": link})
    launch.set_ags(f"{base}/lineitems", lineitem_url)


# ---- test control ----


def control_rosters(req, match):
    body = req["json"] or {}
    context = body["context"]
    with P.LOCK:
        ROSTERS[(body["platform"], context["id"])] = {**context, "members": body["members"], "page_size": body.get("pageSize")}
    return P.as_json({"members": len(body["members"])})


def control_down(req, match):
    with P.LOCK:
        DOWN["failures"] = int((req["json"] or {}).get("failures", 0))
    return P.as_json(DOWN)


def control_services(req, match):
    with P.LOCK:
        return P.as_json({**RECORDED, "lineItems": list(LINE_ITEMS.values())})


def mount(platform_module: t.Any) -> None:
    global P  # pylint: disable=global-statement
    P = platform_module
    issuer = "/p/(?P<name>[^/]+)"
    context = f"{issuer}/contexts/(?P<ctx>[^/]+)"
    P.route("POST", f"{issuer}/token")(token)
    P.route("(GET|POST)", f"{context}/lineitems")(line_items)
    P.route("GET", f"{context}/lineitems/(?P<item>[^/]+)")(line_item)
    P.route("POST", f"{context}/lineitems/(?P<item>[^/]+)/scores")(scores)
    P.route("GET", f"{context}/memberships")(memberships)
    P.route("POST", "/control/rosters")(control_rosters)
    P.route("POST", "/control/scores/down")(control_down)
    P.route("GET", "/control/services")(control_services)
    P.CLAIM_HOOKS.append(add_claims)
