"""What the load test's users do (run by ``bench/load.py``, which prepares the plan and checks
the database afterwards; not meant to be started by hand).

Each Locust user takes one slot of the plan (``LOAD_PLAN``, JSON): a demo login and the clients
and ticket that slot alone writes, so that every write can be checked after the run (two users
never save the same record; a refused save would be a lost write, not a race we made).

Tasks (weights): the home page, the client list (first page, filters, sorts), a client's page,
edit and save a client, a ticket transition (start <-> escalate), the API list, a small export,
and, for DeptHead slots, the same list twice -- ours and the stock FAB view (bench/load_app.py).
Sign-in is each user's first request. Traffic goes to 127.0.0.1 only.
"""
import itertools
import json
import os
import random
import re
import urllib.parse
from html.parser import HTMLParser

from locust import HttpUser, between, events, task

PLAN = json.load(open(os.environ["LOAD_PLAN"]))
HOST = PLAN["host"]
assert urllib.parse.urlsplit(HOST).hostname == "127.0.0.1", "the load test only talks to 127.0.0.1"
MAX_REQUESTS = int(PLAN.get("max_requests") or 0)
SLOTS = itertools.count()
EXPORTERS = {"Admin", "DeptHead", "BackOffice", "Viewer"}  # roles with can_export on clients (security/roles.py)
WRITES = {"saves": [], "transitions": []}  # what succeeded, for load.py's check of the database

# The same list for ours and stock FAB: the DeptHead's clients, active, name contains a word,
# sorted by code, page 2 (FAB's list arguments are the same for both views).
COMPARE_QUERY = "_flt_0_status=active&_flt_2_name=%E4%BE%BF%E5%88%A9&_oc_{view}=code&_od_{view}=asc&page_{view}=1"
LISTS = [  # what people do on the client list
    ("list first page", "/clientview/list/"),
    ("list filter status, sort name", "/clientview/list/?_flt_0_status=active&_oc_ClientView=name&_od_ClientView=asc"),
    ("list name contains", "/clientview/list/?_flt_2_name=%E8%B6%85%E5%B8%82"),
    ("list code starts with, sort desc", "/clientview/list/?_flt_0_code=L00&_oc_ClientView=code&_od_ClientView=desc"),
    ("list page 5", "/clientview/list/?page_ClientView=4"),
]


def behind_tls(session):
    """The app runs with production settings, so its cookies are Secure; in production TLS ends
    at the proxy in front of gunicorn. This client talks plain HTTP to 127.0.0.1 in the proxy's
    place, so after each response it keeps the cookies it got as if the hop were HTTPS
    (requests builds a fresh cookie jar per request, so a cookie policy would not survive)."""
    send = session.request

    def request(*args, **kwargs):
        response = send(*args, **kwargs)
        for cookie in session.cookies:
            cookie.secure = False
        return response

    session.request = request


class FormFields(HTMLParser):
    """The fields a browser would post from the page's main form (inputs, selects, textareas)."""

    def __init__(self):
        super().__init__()
        self.fields, self._select, self._first, self._textarea = {}, None, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields[name] = a.get("value", "y")
            elif kind not in ("submit", "button", "file"):
                self.fields[name] = a.get("value", "")
        elif tag == "select" and name:
            self._select, self._first = name, None
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if self._first is None:
                self._first = value
                self.fields.setdefault(self._select, value)
            if "selected" in a:
                self.fields[self._select] = value
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields[name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data


def csrf_of(html):
    m = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    return m.group(1) if m else None


class BackOfficeUser(HttpUser):
    wait_time = between(2.0, 5.0)  # a person reads the page before the next click
    host = HOST

    def on_start(self):
        self.slot = PLAN["slots"][next(SLOTS) % len(PLAN["slots"])]
        behind_tls(self.client)
        self.rng = random.Random(self.slot["index"])
        self.saves = 0
        page = self.client.get("/login/", name="sign in (form)")
        token = csrf_of(page.text)
        with self.client.post("/login/", data={"username": self.slot["username"], "password": PLAN["password"],
                                               "csrf_token": token},
                              name="sign in", allow_redirects=False, catch_response=True) as r:
            if r.status_code != 302:
                r.failure(f"sign-in answered {r.status_code}")

    def _limit(self):
        if MAX_REQUESTS and self.environment.runner.stats.total.num_requests >= MAX_REQUESTS:
            self.environment.runner.quit()

    @task(3)
    def home(self):
        self._limit()
        self.client.get("/", name="home /")

    @task(6)
    def client_list(self):
        self._limit()
        name, url = self.rng.choice(LISTS)
        self.client.get(url, name=name)

    @task(4)
    def compare_lists(self):
        """The same list, ours and stock FAB's, one after the other (DeptHead slots only)."""
        if self.slot["role"] != "DeptHead":
            return self.client_list()
        self._limit()
        self.client.get("/clientview/list/?" + COMPARE_QUERY.format(view="ClientView"), name="compare: our list")
        self.client.get("/stockclientview/list/?" + COMPARE_QUERY.format(view="StockClientView"),
                        name="compare: stock FAB list")

    @task(4)
    def show(self):
        self._limit()
        pk = self.rng.choice(self.slot["show"])
        self.client.get(f"/clientview/show/{pk}", name="client show")

    @task(2)
    def edit_and_save(self):
        if not self.slot["edit"]:
            return self.show()
        self._limit()
        pk = self.slot["edit"][self.saves % len(self.slot["edit"])]
        page = self.client.get(f"/clientview/edit/{pk}", name="client edit (form)")
        parser = FormFields()
        parser.feed(page.text)
        fields = parser.fields
        if "notes" not in fields or "csrf_token" not in fields:
            page.failure = True
            return
        mark = f"load {self.slot['index']}-{self.saves}"
        fields["notes"] = mark
        with self.client.post(f"/clientview/edit/{pk}", data=fields, name="client edit (save)",
                              allow_redirects=False, catch_response=True) as r:
            if r.status_code == 302:
                WRITES["saves"].append([pk, mark])
                self.saves += 1
            else:
                r.failure(f"save answered {r.status_code}: the form was refused")

    @task(1)
    def ticket_transition(self):
        ticket = self.slot.get("ticket")
        if not ticket:
            return self.home()
        self._limit()
        state = ticket.setdefault("state", "registered")
        event = "escalate" if state == "in_progress" else "start"
        page = self.client.get(f"/ticketview/show/{ticket['id']}", name="ticket show")
        token = csrf_of(page.text)
        with self.client.post(f"/ticketview/action/ticket_{event}/{ticket['id']}", data={"csrf_token": token},
                              name="ticket transition", allow_redirects=False, catch_response=True) as r:
            if r.status_code == 302:
                WRITES["transitions"].append([ticket["id"], event])
                ticket["state"] = "in_progress" if event == "start" else "escalated"
            else:
                r.failure(f"transition answered {r.status_code}")

    @task(2)
    def api_list(self):
        self._limit()
        q = "(filters:!((col:status,opr:eq,value:active)),order_column:code,order_direction:asc,page:0,page_size:25)"
        self.client.get(f"/api/v1/client/?q={urllib.parse.quote(q)}", name="API client list")

    @task(1)
    def small_export(self):
        if self.slot["role"] not in EXPORTERS:  # client managers and the desk have no export
            return self.show()
        self._limit()
        code = self.rng.choice(self.slot["show_codes"])
        with self.client.get(f"/clientview/export/?_flt_0_code={code[:7]}", name="small export",
                             catch_response=True) as r:
            if r.status_code == 200 and code[:7] not in r.text:
                r.failure("the export does not hold the client")


@events.quitting.add_listener
def _write_log(environment, **_kw):
    with open(PLAN["writes_path"], "w") as f:
        json.dump(WRITES, f)
