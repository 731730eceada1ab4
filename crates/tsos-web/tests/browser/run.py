#!/usr/bin/env python3
"""Browser test of the dashboard in headless Chromium, with screenshots to look at.

Drives chromedriver through its W3C WebDriver HTTP API with the standard library only, so it
installs nothing. It needs the Debian packages `chromium` and `chromium-driver`; without them
it says so and exits 0 (skipped).

    crates/tsos-web/tests/browser/run.py [--tsos target/debug/tsos] [--out DIR]

Steps: make a small demo (which creates the accounts demo/demo and school/demo), serve it on
a free port, log in, drill down region → municipality → school, upload a file and confirm
the import, upload a file whose ИНН column has an unknown header and give it its meaning in
the preview's drop-down, download the XLSX appendix, open the official chats, check that the school account
sees only its school and edits its own chats (adds one, moves it to MAX, uploads a file),
and save screenshots of each step (laptop and phone widths) in DIR (default
target/browser-test).
"""

import argparse
import base64
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

CHROMIUM = "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
LAPTOP = (1366, 900)
PHONE = (390, 844)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Browser:
    """The few WebDriver commands the test needs."""

    def __init__(self, driver_url, downloads):
        self.base = driver_url
        caps = {
            "capabilities": {
                "alwaysMatch": {
                    "browserName": "chrome",
                    "goog:chromeOptions": {
                        "binary": CHROMIUM,
                        # --no-sandbox: CI runs as root, where Chromium's sandbox cannot start.
                        "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                                 "--disable-dev-shm-usage", "--lang=ru-RU"],
                        "prefs": {"download.default_directory": downloads,
                                  "download.prompt_for_download": False},
                    },
                }
            }
        }
        self.session = self.call("POST", "/session", caps)["sessionId"]

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return json.load(response)["value"]
        except urllib.error.HTTPError as err:
            raise RuntimeError(f"{method} {path}: {err.read().decode(errors='replace')}")

    def s(self, path, body=None, method="POST"):
        return self.call(method, f"/session/{self.session}{path}", body)

    def go(self, url):
        self.s("/url", {"url": url})

    def find(self, css):
        # A page that a click or submit is still loading has no elements yet: wait a little.
        for attempt in range(50):
            try:
                found = self.s("/element", {"using": "css selector", "value": css})
                return next(iter(found.values()))
            except RuntimeError:
                if attempt == 49:
                    raise
                time.sleep(0.2)

    def find_all(self, css):
        found = self.s("/elements", {"using": "css selector", "value": css})
        return [next(iter(f.values())) for f in found]

    def type(self, css, text):
        element = self.find(css)
        if "file" not in css:
            self.s(f"/element/{element}/clear", {})
        self.s(f"/element/{element}/value", {"text": text})

    def click(self, css):
        self.s(f"/element/{self.find(css)}/click", {})

    def load(self, action):
        """Runs `action`, which loads another page, and waits until it has: a click that posts
        a form returns before the server answers, and reading then would read the old page."""
        self.script("window.tsosOldPage = true")
        action()
        for _ in range(150):
            try:
                if self.script("return !window.tsosOldPage && document.readyState === 'complete'"):
                    return
            except RuntimeError:
                pass  # the page is being replaced
            time.sleep(0.1)
        raise AssertionError("no page loaded")

    def submit(self, css):
        """Clicks `css`, a link or a form's button, and waits for the page it loads."""
        self.load(lambda: self.click(css))

    def text(self, css="body"):
        for attempt in range(20):
            try:
                return self.s(f"/element/{self.find(css)}/text", method="GET")
            except RuntimeError:
                # The element went stale: the page was replaced meanwhile.
                if attempt == 19:
                    raise
                time.sleep(0.2)

    def url(self):
        return self.s("/url", method="GET")

    def wait_url(self, part):
        """The address once it contains `part`: a click's navigation may still be under way."""
        for _ in range(50):
            url = self.url()
            if part in url:
                return url
            time.sleep(0.2)
        return self.url()

    def script(self, source, *args):
        return self.s("/execute/sync", {"script": source, "args": list(args)})

    def screenshot(self, path, size=LAPTOP):
        """The whole page: the window is made as tall as the page first."""
        width, height = size
        self.s("/window/rect", {"width": width, "height": height})
        full = self.script("return document.documentElement.scrollHeight")
        self.s("/window/rect", {"width": width, "height": max(height, min(full + 120, 12000))})
        png = base64.b64decode(self.s("/screenshot", method="GET"))
        with open(path, "wb") as f:
            f.write(png)
        self.s("/window/rect", {"width": width, "height": height})

    def quit(self):
        try:
            self.call("DELETE", f"/session/{self.session}")
        except Exception:  # the browser may be gone already; nothing to clean then
            pass


def check(condition, message):
    if not condition:
        raise AssertionError(message)
    print(f"  ok: {message}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tsos", default="target/debug/tsos")
    parser.add_argument("--out", default="target/browser-test")
    args = parser.parse_args()
    if not (os.path.exists(CHROMIUM) and os.path.exists(DRIVER)):
        print("browser test skipped: /usr/bin/chromium or chromedriver is absent "
              "(Debian packages chromium and chromium-driver)")
        return 0
    os.makedirs(args.out, exist_ok=True)
    work = tempfile.mkdtemp(prefix="tsos-browser-")
    processes = []
    try:
        demo = os.path.join(work, "demo")
        subprocess.run([args.tsos, "demo", "--out", demo, "--schools", "60", "--no-serve"],
                       check=True, stdout=subprocess.DEVNULL)
        db = os.path.join(demo, "tsos.db")
        loop = prepare_loop(args.tsos, db, work)
        server = subprocess.Popen([args.tsos, "--db", db, "serve", "--addr", "127.0.0.1:0"],
                                  stdout=subprocess.PIPE, text=True)
        processes.append(server)
        line = server.stdout.readline()
        match = re.search(r"http://[0-9.:]+", line)
        if not match:
            raise RuntimeError(f"the server did not start: {line!r}")
        site = match.group(0)
        port = free_port()
        driver = subprocess.Popen([DRIVER, f"--port={port}"], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        processes.append(driver)
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/status", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        downloads = os.path.join(work, "downloads")
        os.makedirs(downloads)
        browser = Browser(f"http://127.0.0.1:{port}", downloads)
        try:
            run(browser, site, demo, args.out, downloads)
            reply_loop(browser, site, args.out, work, loop)
        finally:
            browser.quit()
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)
    print(f"browser test passed; screenshots in {args.out}")
    return 0


def run(browser, site, demo, out, downloads):
    shot = lambda name, size=LAPTOP: browser.screenshot(os.path.join(out, name), size)
    print("login")
    browser.go(site + "/")
    check("/login" in browser.url(), "an anonymous visitor is sent to the login page")
    shot("01-login.png")
    browser.type("#login", "demo")
    browser.type("#password", "неверный")
    browser.submit("form.login button")
    check("Неверный логин или пароль" in browser.text(), "a wrong password is refused")
    browser.type("#login", "demo")
    browser.type("#password", "demo")
    browser.submit("form.login button")
    check(browser.text("h1") == "Республика Дагестан", "the admin lands on the region")
    check(len(browser.find_all(".card")) >= 4, "headline cards per platform and role")
    check(len(browser.find_all("svg.chart")) >= 4, "trend and distribution charts")
    shot("02-region.png")
    shot("02-region-phone.png", PHONE)

    print("drill down")
    browser.submit("table.ranked tbody tr:first-child td.name a")
    municipality = browser.text("h1")
    check(browser.text(".crumbs").startswith("Республика Дагестан"), "breadcrumbs lead back")
    shot("03-municipality.png")
    browser.submit("table.ranked tbody tr:first-child td.name a")
    school = browser.text("h1")
    crumbs = browser.text(".crumbs")
    check(municipality in crumbs and school in crumbs, "region › municipality › school")
    check("Прогноз доли" in browser.text(), "the school's forecast")
    shot("04-school.png")
    shot("04-school-phone.png", PHONE)
    browser.submit(".crumbs a:nth-of-type(2)")
    check(browser.text("h1") == municipality, "a breadcrumb goes up a level")
    browser.click("#as_of option:nth-child(2)")
    check("as_of=" in browser.wait_url("as_of="), "picking a date reloads the page for it")

    print("import")
    inns = [m.group(1) for m in re.finditer(r'href="/school/(\d+)',
                                             browser.script("return document.body.innerHTML"))]
    upload = os.path.join(demo, "sferum_2023-11-01.csv")
    with open(upload, "w", encoding="utf-8") as f:
        f.write("Сферум по состоянию на 01.11.2023\n")
        f.write("ИНН;Наименование ОО;Количество активных педагогов;Количество активных обучающихся\n")
        for n, inn in enumerate(dict.fromkeys(inns)):
            f.write(f"{inn};Школа {n};{10 + n};{100 + n}\n")
    browser.go(site + "/import")
    browser.script("document.getElementById('dataset').value = 'sferum'")
    browser.type("#file", os.path.abspath(upload))
    browser.submit("form.upload button")
    text = browser.text()
    check("01.11.2023 (из заголовка файла)" in text, "the preview shows the date it read")
    check("Количество активных педагогов" in text, "the preview shows the recognised columns")
    shot("05-preview.png")
    browser.submit(".confirm button")
    check("Сохранено: снимок" in browser.text(), "the confirmed import is stored")
    shot("06-imported.png")

    print("import with a column given its meaning in the preview")
    mapped = os.path.join(demo, "myschool_2023-11-01.csv")
    schools = list(dict.fromkeys(inns))
    with open(mapped, "w", encoding="utf-8") as f:
        f.write("Выгрузка ФГИС «Моя школа» по состоянию на 01.11.2023\n")
        f.write("ID пользователя;ФИО;Роль;Код школы;Подтвержденная УЗ;"
                "Дата последней авторизации\n")
        for n, inn in enumerate(schools):
            for k in range(3):
                last = "31.10.2023" if k else "01.01.2020"
                f.write(f"u{n}-{k};Иванов Иван;Учитель;{inn};Да;{last}\n")
    browser.go(site + "/import")
    browser.script("document.getElementById('dataset').value = 'myschool'")
    browser.type("#file", os.path.abspath(mapped))
    browser.submit("form.upload button")
    text = browser.text()
    check("не найдена строка заголовков" in text, "a header without ИНН is not taken for one")
    check(browser.script("return document.querySelector('select[name=col3]').value") == "ignore",
          "«Код школы» is shown as not used, with its drop-down")
    check(browser.script("return document.querySelector('.remap .actions').hidden"),
          "with the script, a change applies itself: no «Пересчитать» button")
    shot("06a-preview-layout.png")
    shot("06a-preview-layout-phone.png", PHONE)
    browser.click('select[name="col3"] option[value="organisation"]')
    for _ in range(50):
        text = browser.text()
        if "задано вами" in text:
            break
        time.sleep(0.2)
    check("задано вами" in text, "the preview is read again with the meaning chosen")
    check(browser.script("return document.querySelector('select[name=col3]').value")
          == "organisation", "and the drop-down shows it")
    accepted = re.search(r"Принято\s+(\d+)", text)
    check(accepted and int(accepted.group(1)) == 3 * len(schools),
          f"every row is taken ({accepted and accepted.group(1)} of {3 * len(schools)})")
    check(re.search(f"{len(schools)} ОО, {3 * len(schools)} пользовател", text),
          "the users are counted by school")
    shot("06b-preview-mapped.png")
    shot("06b-preview-mapped-phone.png", PHONE)
    browser.submit(".confirm button")
    text = browser.text()
    check("Сохранено: снимок" in text and "Разметка столбцов сохранена" in text,
          "the confirmed import is stored with its layout")
    shot("06c-imported-mapped.png")

    print("downloads")
    browser.go(site + "/downloads")
    shot("07-downloads.png")
    browser.click('a[href^="/download/appendix.xlsx"]')
    # Chromium may create the file under its final name, empty, while it
    # still writes the bytes to a «.crdownload» beside it: wait for both
    # the name and the bytes.
    saved = []
    for _ in range(100):
        names = os.listdir(downloads)
        saved = [f for f in names if f.endswith(".xlsx")]
        if (saved and not any(f.endswith(".crdownload") for f in names)
                and os.path.getsize(os.path.join(downloads, saved[0])) > 0):
            break
        time.sleep(0.2)
    check(len(saved) == 1, f"the XLSX appendix downloads ({saved})")
    with open(os.path.join(downloads, saved[0]), "rb") as f:
        check(f.read(2) == b"PK", "and is a workbook")
    for page, name in [("/snapshots", "08-snapshots.png"), ("/quality", "09-quality.png"),
                       ("/audit", "10-audit.png")]:
        browser.go(site + page)
        shot(name)

    print("targets")
    browser.go(site + "/targets")
    browser.click('select[name="indicator"] option[value="myschool.students"]')
    browser.type('input[name="value"]', "30%")
    # A date field's typing follows the browser's locale; the value itself does not.
    browser.script("document.querySelector('input[name=from]').value = '2023-09-01'")
    browser.submit('form[action="/targets"] button')
    text = browser.text()
    check("задана" in text and "30,0 %" in text, "an administrator sets a target in words")
    shot("10a-targets.png")
    shot("10a-targets-phone.png", PHONE)
    browser.go(site + "/")
    check("цель 30,0 %" in browser.text(), "the overview's students now have it")
    browser.go(site + "/targets")
    browser.submit('form[action$="/remove"] button')
    check("удалена" in browser.text(), "and removes it again")

    print("official chats")
    browser.go(site + "/chats")
    check(browser.text("h1").startswith("Официальные чаты"), "the chats page of the region")
    check(len(browser.find_all(".card")) >= 4, "chat figures")
    check("Школы с просроченным переходом" in browser.text(), "the overdue schools")
    shot("10-chats.png")

    print("school account")
    browser.click(".account button")
    check("/login" in browser.wait_url("/login"), "logout returns to the login page")
    browser.type("#login", "school")
    browser.type("#password", "demo")
    browser.submit("form.login button")
    own = re.search(r"ИНН (\d+)", browser.text(".summary")).group(1)
    check("Импорт" not in browser.text(".menu"), "a school has no import")
    shot("11-school-account.png", PHONE)
    browser.go(site + "/municipality/" + urllib.request.quote(municipality))
    check(browser.text("h1") == "Не найдено", "a school cannot open a municipality")
    browser.go(site + "/school/" + next(inn for inn in inns if inn != own))
    check(browser.text("h1") == "Не найдено", "nor another school")

    print("school edits its chats")
    browser.go(site + "/")
    browser.submit('.menu a[href="/chats"]')
    check(("/chats/school/" + own) in browser.wait_url("/chats/school/" + own),
          "a school's chats page is its own registry")
    browser.type("#chat-name", "Родители 7В (проверка)")
    browser.script("document.getElementById('chat-purpose').value = 'parents'")
    browser.type("#chat-class", "7В")
    browser.script("document.getElementById('chat-platform').value = 'WhatsApp'")
    browser.submit("#add-chat button")
    check("Чат «Родители 7В (проверка)» добавлен." in browser.text(".done"), "the chat is added")
    browser.load(lambda: browser.script("""
        const form = [...document.querySelectorAll('form.chat-edit')].find(f =>
            f.elements.op.value === 'move' && f.elements.name.value === 'Родители 7В (проверка)');
        form.closest('details').open = true;
        form.elements.platform.value = 'MAX';
        form.querySelector('button').click();
    """))
    check("Перенос чата «Родители 7В (проверка)» сохранен." in browser.text(".done"),
          "the chat is moved")
    filled = os.path.join(demo, "чаты_школы.csv")
    with open(filled, "w", encoding="utf-8") as f:
        f.write("ИНН ОО;Название чата;Назначение;Класс;Платформа;Участников;Активен\n")
        f.write(f"{own};Совет родителей (проверка);родительский;;Сферум;12;Да\n")
    browser.type("#chats-file", os.path.abspath(filled))
    browser.submit("#upload-chats button")
    check("Загружен файл «чаты_школы.csv»" in browser.text(".done"), "the filled template uploads")
    check("Совет родителей (проверка)" in browser.text("table.chats"), "and its chat is listed")
    shot("12-school-chats.png")
    shot("12-school-chats-phone.png", PHONE)
    browser.go(site + "/chats/school/" + next(inn for inn in inns if inn != own))
    check(browser.text("h1") == "Не найдено", "another school's chats are not found")


LOOP_PASSWORD = "проверка-цикла"


def prepare_loop(tsos, db, work):
    """A letter on the demo data, and accounts for the school it names first and for that
    school's municipality: the two sides of the loop of notices and replies."""
    subprocess.run([tsos, "--db", db, "letter", "--date", "2023-10-12", "--deadline", "2023-10-20",
                    "--out", os.path.join(work, "letters")],
                   check=True, stdout=subprocess.DEVNULL)
    with sqlite3.connect(db) as conn:
        inn, name = conn.execute("SELECT org_id, name FROM letter_item "
                                 "ORDER BY letter_id, rowid LIMIT 1").fetchone()
        (municipality,) = conn.execute("SELECT municipality FROM school_version "
                                       "WHERE org_id = ? LIMIT 1", (inn,)).fetchone()
    for login, role, scope in [("loop_school", "school", inn),
                               ("loop_muni", "municipality", municipality)]:
        subprocess.run([tsos, "--db", db, "user", "add", login, "--role", role,
                        "--scope", scope], input=LOOP_PASSWORD + "\n", text=True,
                       check=True, stdout=subprocess.DEVNULL)
    return {"inn": inn, "name": name, "municipality": municipality}


def log_in_as(browser, site, login, password):
    browser.go(site + "/")
    if "/login" not in browser.url():
        browser.click(".account button")
        browser.wait_url("/login")
    browser.type("#login", login)
    browser.type("#password", password)
    browser.submit("form.login button")


def reply_loop(browser, site, out, work, loop):
    shot = lambda name, size=LAPTOP: browser.screenshot(os.path.join(out, name), size)
    school, muni = ("loop_school", LOOP_PASSWORD), ("loop_muni", LOOP_PASSWORD)
    plan = os.path.join(work, "план мер.pdf")
    with open(plan, "wb") as f:
        f.write(b"%PDF-1.4\n% plan of measures\n%%EOF\n")

    def reply(text):
        browser.script("""
            const form = document.querySelector(arguments[2] + ' details.reply-form form');
            form.elements.reason.value = arguments[0];
            form.elements.text.value = arguments[1];
            form.elements.measures.value = 'Заведем учетные записи, проведем инструктаж педагогов';
            form.elements.expected_by.value = '2099-12-20';
        """, "no_accounts", text, thread)

    print("a school replies to its notice")
    log_in_as(browser, site, *school)
    browser.submit('.menu a[href="/notices"]')
    text = browser.text()
    check("нет ответа" in text and "Отправить ответ" in text, "the school sees its open notice")
    # The first indicator of the first letter: the one the loop goes through.
    thread = '[id="%s"]' % browser.script("return document.querySelector('section.thread').id")
    shot("13-notices-school.png")
    shot("13-notices-school-phone.png", PHONE)
    reply("У части педагогов нет учетных записей в ЕСИА")
    browser.type(thread + " input[type=file]", os.path.abspath(plan))
    browser.submit(thread + " details.reply-form button")
    check("Ответ отправлен." in browser.text(".done"), "the reply is sent")
    check("план мер.pdf" in browser.text(), "with its file")

    print("the municipality returns it with a comment")
    comment = "Укажите, сколько педагогов и к какому числу"
    log_in_as(browser, site, *muni)
    browser.go(site + "/notices?state=replied")
    check(loop["name"] in browser.text(), "the municipality sees the school's reply")
    shot("14-review.png")
    shot("14-review-phone.png", PHONE)
    browser.script("document.querySelector('form.review-form textarea').value = arguments[0]",
                   comment)
    browser.submit("form.review-form button[value=return]")
    check("возвращен школе" in browser.text(".done"), "the reply is returned")

    print("the school sees the comment and replies again")
    log_in_as(browser, site, *school)
    browser.go(site + "/notices")
    check(comment in browser.text(), "the school sees the comment")
    shot("15-returned.png")
    check(browser.script("return document.querySelector(arguments[0] + ' details.reply-form').open",
                         thread), "the returned reply's form is open again")
    reply("Нет учетных записей у 7 педагогов; заведем до 20.12")
    browser.submit(thread + " details.reply-form button")
    check("Ответ отправлен." in browser.text(".done"), "the second reply is sent")

    print("the municipality accepts it")
    log_in_as(browser, site, *muni)
    browser.go(site + "/notices?state=replied")
    browser.submit("form.review-form button[value=accept]")
    check("Ответ принят." in browser.text(".done"), "the reply is accepted")
    browser.go(site + "/notices?state=accepted")
    check(loop["name"] in browser.text() and comment in browser.text(),
          "the accepted thread keeps its history")
    shot("16-accepted.png")
    browser.go(site + "/followup")
    row = browser.text("table.followup")
    check("принят" in row and "20.12.2099" in row, "the follow-up shows the reply's state")
    check("на 01.11.2023" in row, "and the figure after the deadline, from November's import")
    shot("17-followup.png")
    shot("17-followup-phone.png", PHONE)


if __name__ == "__main__":
    sys.exit(main())
