"""Read a form off a rendered page the way a browser would submit it, so tests post what
the editor really shows (prefilled wording, hidden ids, management forms)."""

from html.parser import HTMLParser


class _FormReader(HTMLParser):
    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.in_template = 0
        self.fields: list[tuple[str, str]] = []
        self._select: str | None = None
        self._select_value: str | None = None
        self._select_first: str | None = None
        self._option_value: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def _owned(self, attrs: dict) -> bool:
        return (self.inside and "form" not in attrs) or attrs.get("form") == self.form_id

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "template":
            self.in_template += 1
        if self.in_template:
            return
        if tag == "form" and attrs.get("id") == self.form_id:
            self.inside = True
        elif tag == "input" and self._owned(attrs) and attrs.get("name"):
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.fields.append((attrs["name"], attrs.get("value", "on")))
            elif kind not in ("submit", "button"):
                self.fields.append((attrs["name"], attrs.get("value", "")))
        elif tag == "select" and self._owned(attrs) and attrs.get("name"):
            self._select, self._select_value, self._select_first = attrs["name"], None, None
        elif tag == "option" and self._select:
            value = attrs.get("value", "")
            if self._select_first is None:
                self._select_first = value
            if "selected" in attrs:
                self._select_value = value
        elif tag == "textarea" and self._owned(attrs) and attrs.get("name"):
            self._textarea, self._text = attrs["name"], []

    def handle_data(self, data):
        if self._textarea:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "template":
            self.in_template -= 1
        if self.in_template:
            return
        if tag == "form":
            self.inside = False
        elif tag == "select" and self._select:
            value = self._select_value if self._select_value is not None else self._select_first
            self.fields.append((self._select, value or ""))
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.fields.append((self._textarea, "".join(self._text).removeprefix("\n")))
            self._textarea = None


def form_data(html: str, form_id: str = "survey-editor") -> dict:
    """The form's fields as a dict for the test client (a name given twice becomes a list)."""
    reader = _FormReader(form_id)
    reader.feed(html)
    data: dict = {}
    for name, value in reader.fields:
        if name in data:
            data[name] = [*data[name], value] if isinstance(data[name], list) else [data[name], value]
        else:
            data[name] = value
    return data


def editor_data(client, url: str) -> dict:
    page = client.get(url)
    assert page.status_code == 200, page.content.decode()[:500]
    return form_data(page.content.decode())


def row_prefix(data: dict, prefix: str, language: str) -> str:
    """The prefix of the wording row for `language`, such as 'translations-0'."""
    for key, value in data.items():
        if key.startswith(prefix + "-") and key.endswith("-language") and value == language:
            return key.removesuffix("-language")
    raise KeyError(language)
