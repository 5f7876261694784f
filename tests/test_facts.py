"""The extensible facts: typed origins, constructions, module-level objects, decorators, returns, and
a new collector added without touching the others."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

from wa_lint.analyse.cache import FactsCache, analysis_fingerprint
from wa_lint.analyse.python import facts as facts_module
from wa_lint.analyse.python.construction import constructed_at, receiver
from wa_lint.analyse.python.decorators import clears_state, is_cached
from wa_lint.analyse.python.facts import COLLECTORS, collect, module_facts
from wa_lint.analyse.python.facts_model import EVENT_ORIGIN, Construction, Decorator, Origin, OriginKind
from wa_lint.analyse.python.flow import FlowCollector
from wa_lint.analyse.python.returns import returns_key
from wa_lint.analyse.python.walk import Collector, Context
from wa_lint.analyse.python.workers import Outcome

APP = textwrap.dedent('''\
    import functools
    import boto3
    from aws_lambda_powertools import Logger

    logger = Logger()
    ssm = boto3.client("ssm", region_name="eu-west-1")
    table = boto3.resource("dynamodb").Table("orders")

    @functools.lru_cache(maxsize=None)
    def settings(name):
        return ssm.get_parameter(Name=name)

    @logger.inject_lambda_context(log_event=True, clear_state=True)
    def handler(event, context):
        sts = boto3.client("sts", endpoint_url="https://sts.eu-west-1.amazonaws.com")
        tenant = boto3.client("s3", **event["credentials"])
        user = context.identity
        ssm = make()
        ssm.get_parameter(Name="shadowed")
        return {"batchItemFailures": [], "ok": user, "e": app.current_event}
''')


@pytest.fixture(scope="module")
def app():
    return module_facts(APP, Path("app.py"))


def test_origins_are_typed_values(app) -> None:
    body = app.bodies["handler"]
    returned_names = {origin for call in body.calls for group in call.args for origin in group}
    assert Origin(OriginKind.PARAM, "event") in {o for c in body.calls for _, g in c.keywords for o in g}
    assert returned_names <= {Origin.param("event"), Origin.context_user("context"), EVENT_ORIGIN}
    assert all(isinstance(o, Origin) for call in body.calls for group in call.args for o in group)


def test_constructions_keep_their_literal_arguments(app) -> None:
    calls = {call.line: call for call in app.bodies["handler"].calls}
    sts = constructed_at(app, "handler", calls[15])
    assert sts == Construction("boto3.client", 15, "sts", None, "https://sts.eu-west-1.amazonaws.com", ())
    assert constructed_at(app, "handler", calls[16]).credentials == ("**",)
    assert app.objects["ssm"] == Construction("boto3.client", 6, "ssm", "eu-west-1", None, ())
    assert app.objects["table"].callee == "boto3.resource().Table"
    assert app.objects["logger"].callee == "aws_lambda_powertools.Logger"


def test_a_name_bound_to_different_constructors_is_rebound() -> None:
    facts = module_facts(textwrap.dedent('''\
        import os
        import boto3
        from amazondax import AmazonDaxClient
        ssm = boto3.client("ssm")
        ssm = boto3.client("ssm", region_name="eu-west-1")
        if os.environ.get("DAX_ENDPOINT"):
            client = AmazonDaxClient(endpoint_url=os.environ["DAX_ENDPOINT"])
        else:
            client = boto3.client("dynamodb")
        '''), Path("app.py"))
    assert facts.rebound == {"client": ("amazondax.AmazonDaxClient", "boto3.client")}
    assert facts.objects["client"].callee == "boto3.client", "objects keeps the last binding"


def test_constructors_stored_on_self_are_facts_unless_they_disagree() -> None:
    facts = module_facts(textwrap.dedent('''\
        import boto3
        class Repo:
            def __init__(self, local):
                self.ssm = boto3.client("ssm")
                self.db = boto3.client("dynamodb")
                if local:
                    self.db = boto3.resource("dynamodb")
        '''), Path("app.py"))
    assert facts.attributes == {"Repo.ssm": Construction("boto3.client", 4, "ssm", None, None, ())}


def test_a_call_on_a_module_level_object_knows_what_built_it(app) -> None:
    (in_settings,) = app.bodies["settings"].calls
    assert (in_settings.callee, in_settings.qualified) == ("ssm.get_parameter", "ssm.get_parameter")
    assert receiver(app, in_settings).service == "ssm"
    shadowed = next(c for c in app.bodies["handler"].calls if c.callee == "ssm.get_parameter")
    assert receiver(app, shadowed) is None, "a local `ssm` is not the module-level client"


def test_decorators_are_facts_with_literal_keywords(app) -> None:
    (cache,) = app.decorators["settings"]
    assert cache == Decorator("functools.lru_cache", "functools.lru_cache", True, (("maxsize", "None"),))
    (inject,) = app.decorators["handler"]
    assert inject.keywords == (("log_event", "True"), ("clear_state", "True"))
    assert is_cached(app, "settings") and not is_cached(app, "handler")
    assert clears_state(app, "handler") == ("logger.inject_lambda_context",)


def test_returned_dict_keys(app) -> None:
    assert returns_key(app, "handler", "batchItemFailures")
    assert not returns_key(app, "settings", "batchItemFailures")


def test_new_facts_survive_the_cache(tmp_path: Path, app) -> None:
    cache = FactsCache(tmp_path, analysis_fingerprint())
    raw = APP.encode()
    cache.put(Path("app.py"), raw, Outcome(app))
    again = cache.get(Path("app.py"), raw)
    assert again is not None and again.facts == app
    entry = next(tmp_path.rglob("*.json"))
    entry.write_text(entry.read_text().replace('"param"', '"no-such-kind"', 1))
    assert cache.get(Path("app.py"), raw) is None, "an unknown origin kind is a miss"


def test_a_rule_adds_a_collector_without_editing_the_others() -> None:
    class SleepCollector(Collector):
        """A would-be rule's facts: `time.sleep` calls per function, through the shared flow."""

        def __init__(self, context: Context) -> None:
            super().__init__(context)
            self.flow = context.collector(FlowCollector)
            self.found: list[tuple[str, int]] = []

        def visit_Call(self, node: ast.Call) -> None:
            function = self.flow.current
            if function is not None and isinstance(node.func, (ast.Name, ast.Attribute)):
                name = ast.unparse(node.func)
                if self.flow.qualify(function, name) == "time.sleep":
                    self.found.append((function.qualname, node.lineno))

        def finish(self) -> None:
            self.context.facts.instances["__sleeps__"] = repr(self.found)

    text = "from time import sleep as nap\ndef handler(event, context):\n    nap(1)\n"
    tree = ast.parse(text)
    got = collect(tree, text, Path("a.py"), collectors=(*COLLECTORS, SleepCollector))
    assert got.instances["__sleeps__"] == "[('handler', 3)]"
    assert got.bodies == collect(tree, text, Path("a.py")).bodies, "the other facts do not change"


def test_a_collector_that_needs_another_must_come_after_it() -> None:
    tree = ast.parse("x = 1\n")
    with pytest.raises(LookupError):
        collect(tree, "x = 1\n", Path("a.py"), collectors=(facts_module.CallCollector, FlowCollector))


SHARED = textwrap.dedent('''\
    import boto3 as b3
    from . import sibling
    from .pkg import helper as h, other
    class Config:
        import os.path
        def method(self, event):
            from requests import get
            self.client = b3.client("s3", aws_access_key_id=event["k"])
            return get(os.path.join(event["a"], "b"))
    def handler(event, context):
        import json as j
        class Inner:
            from boto3 import resource
            def make(self):
                return resource("dynamodb")
        options = {"region_name": "eu-west-1"}
        session = b3.Session(**options)
        client = session.client("sqs")
        CACHE[event["id"]] = client.send_message(QueueUrl=h(event), MessageBody=j.dumps(event))
        from hashlib import sha256
        return sha256(j.dumps(CACHE.get(event["id"])).encode()), b3.client("s3", **event["creds"])
    if True:
        def handler(event, context):
            from json import loads as j
            value = j(event["body"])
            if (cached := CACHE.get(value)) is None:
                CACHE.setdefault(value, []).append(helper(value, sibling.x(value)))
            return cached
    import urllib.request
    def fetch(event, context):
        import hmac, base64
        class Signer:
            key = b"k"
        digest = hmac.new(Signer.key, event["body"].encode(), "sha256")
        return urllib.request.urlopen(event["url"]).read(), other.run(event), base64.b64encode(digest.digest())
''')


def test_the_answers_the_flow_collector_keeps_are_the_answers_asked_afresh(monkeypatch) -> None:
    from wa_lint.analyse.python import flow
    from wa_lint.analyse.python.walk import chain

    kept = module_facts(SHARED, Path("app.py"))

    def callee(self, function, call):
        parts, base = chain(call.func)
        return None if base is not None else (parts, flow.join(parts), self.qualify(function, flow.join(parts)))

    def imported(self) -> None:  # the aliases made again from every import, at every import
        function = self.current
        if function is not None:
            function.imports = flow.import_aliases(self.facts, function.qualname)
        elif not self.context.scope:
            self.aliases = flow.import_aliases(self.facts, None)
            self.facts.aliases = dict(self.aliases)

    monkeypatch.setattr(FlowCollector, "reads", lambda self, node: flow.atoms(node))
    monkeypatch.setattr(FlowCollector, "callee", callee)
    monkeypatch.setattr(FlowCollector, "_imported", imported)
    afresh = module_facts(SHARED, Path("app.py"))
    assert kept == afresh
    def qualified(qualname: str) -> list[tuple[str, str | None]]:
        return [(call.callee, call.qualified) for call in kept.bodies[qualname].calls]

    assert qualified("Config.method")[:2] == [("b3.client", "boto3.client"), ("get", "requests.get")]
    assert kept.bodies["Config.method"].calls[0].credentials
    # The second `handler` sees the first one's imports too (same qualified name), its own last.
    assert ("j", "json.loads") in qualified("handler") and ("sibling.x", ".sibling.x") in qualified("handler")
    # After a class body in a function, the function's own code again; both names of one import.
    assert {("other.run", ".pkg.other.run"), ("hmac.new", "hmac.new"), ("base64.b64encode", "base64.b64encode")} \
        <= set(qualified("fetch"))
    # A class body's import at module level counts from the next module-level import on.
    assert kept.aliases == {"b3": "boto3", "sibling": ".sibling", "h": ".pkg.helper", "other": ".pkg.other",
                            "os": "os", "urllib": "urllib"}
    assert kept.bodies["handler"].writes[0].origins == (Origin.param("event"),)
