"""The walk through time behind the demo data (surveys/demo_data.py): who contacted whom,
on which channel, how hard it was, what the sampling policy decided, and what the customer
answered, as unsaved model instances ready for bulk_create.

Scores. An interaction's experience is the agent's latent quality plus the department's
effect, minus what made it hard: a long handle time, transfers, an unresolved problem. The
agent score follows the experience; the company score follows it too, at half the weight,
plus the department's company-side effect, the topic (an outage costs more than an upgrade)
and the wait. Both share the customer's mood, so they correlate without being equal.

Sampling follows surveys/sampling.py in time order: a contact (email or phone) invited
within the survey's fatigue window is not invited again, and SMS invitations were switched
on partway through the period. Links expire after the survey's expiry; answers arrive
minutes to days after the link and never after now.
"""

import math
import random
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

from agents.models import Agent, Department
from surveys import tokens
from surveys.demo_text import CUSTOMER_FIRST_NAMES, CUSTOMER_LAST_NAMES, ascii_slug, why_text
from surveys.models import (
    DeliveryMethod,
    Interaction,
    Invitation,
    QuestionKind,
    Response,
    SuppressedReason,
    Survey,
    SurveyVersion,
)

DEMO_SOURCE = "demo"

LANGUAGES = {"en": 0.50, "id": 0.35, "es": 0.15}
EMAIL_DOMAINS = ("example.com", "example.net", "example.org")
PHONE_PREFIXES = {"en": "+4477009", "id": "+62812", "es": "+34655"}
REPEAT_SHARE = 0.18  # interactions from a customer seen before
CALLBACK_SHARE = 0.45  # of those, a customer who was in touch in the last week
SMS_SURVEYS_SINCE_DAYS = 75  # SMS invitations were switched on this many days ago
ANSWER_RATE = {"phone": 0.245, "chat": 0.29, "email": 0.225, "sms": 0.265}  # of invited customers
OPENED_UNANSWERED = 0.17
WHY_RATE = {"promoter": 0.48, "passive": 0.36, "detractor": 0.64}
FAILED_RATE = 0.01
BASE_HANDLE_SECONDS = {"phone": 420, "chat": 720, "email": 1080, "sms": 360}
BASE_WAIT_SECONDS = {"phone": 75, "chat": 50, "email": None, "sms": 240}
DELIVERY_ERRORS = {
    "email": "550 5.1.1 <{contact}>: Recipient address rejected: mailbox unavailable",
    "sms": "Twilio error 21614: '{contact}' is not a mobile number",
}
HOUR_WEIGHTS = {7: 2, 8: 5, 9: 8, 10: 10, 11: 10, 12: 7, 13: 8, 14: 9, 15: 9, 16: 8, 17: 6, 18: 4, 19: 3, 20: 2}
WEEKDAY_WEIGHTS = (1.0, 1.0, 0.97, 0.95, 0.9, 0.5, 0.3)  # Monday first

# tag → (what a detractor complains about, effect on the company score)
TAGS = {
    "billing": ("price", -0.3),
    "refund": ("policy", -0.4),
    "payment": ("app", -0.1),
    "outage": ("outage", -1.0),
    "password": ("app", -0.2),
    "app": ("app", -0.3),
    "upgrade": ("price", 0.3),
    "pricing": ("price", -0.3),
    "cancellation": ("price", -0.5),
    "activation": ("app", 0.1),
    "delivery": ("delivery", -0.5),
    "claim": ("policy", -0.3),
}


@dataclass(frozen=True)
class DepartmentSpec:
    code: str
    name: str
    target_nps: int | None
    headcount: int
    talent: float  # mean latent quality of its agents
    agent_effect: float  # on the agent score, in score points
    company_effect: float  # on the company score: what the company does to these customers
    complexity: float  # how hard its contacts are (longer, more transfers)
    transfer_rate: float
    channels: dict[str, float]
    tags: tuple[str, ...]


@dataclass
class AgentPlan:
    external_id: str
    name: str
    department: str  # current
    quality: float
    weight: float
    joined: datetime | None = None
    left: datetime | None = None
    moved_from: str | None = None
    moved_at: datetime | None = None
    agent: Agent | None = None

    @property
    def first_name(self) -> str:
        return self.name.split(" ")[0]

    def department_at(self, moment: datetime) -> str:
        return self.moved_from if self.moved_at and moment < self.moved_at else self.department

    def works_at(self, moment: datetime) -> bool:
        return (self.joined is None or moment >= self.joined) and (self.left is None or moment < self.left)


@dataclass
class Customer:
    name: str
    language: str
    email: str
    phone: str


class Simulation:
    """Walks through time once, producing each interaction with its invitation and answer."""

    def __init__(
        self,
        rng: random.Random,
        *,
        now: datetime,
        survey: Survey,
        specs: tuple[DepartmentSpec, ...],
        plans: list[AgentPlan],
        departments: dict[str, Department],
        channel_surveys: dict[str, Survey] | None = None,
        versions: dict[int, SurveyVersion] | None = None,
    ):
        self.rng = rng
        self.now = now
        self.survey = survey  # the default survey
        self.channel_surveys = channel_surveys or {}  # channels an assignment rule sends elsewhere
        self.versions = versions or {}  # survey id → the version its invitations ask
        self.plans = plans
        self.departments = departments
        self.specs = {spec.code: spec for spec in specs}
        self.zone = ZoneInfo(settings.TIME_ZONE)
        self.customers: list[Customer] = []
        self.recent: deque[tuple[datetime, Customer]] = deque()
        self.last_invited: dict[str, datetime] = {}  # email or phone → occurred_at of its last invitation
        self.contacts: set[str] = set()
        self.sms_since = now - timedelta(days=SMS_SURVEYS_SINCE_DAYS)
        self.agent_pools: dict = {}

    def run(self, *, count: int, days: int) -> list[tuple[Interaction, Invitation, Response | None]]:
        moments = self._moments(count, days)
        return [self._one(index, moment) for index, moment in enumerate(moments, start=1)]

    def _moments(self, count: int, days: int) -> list[datetime]:
        """Business hours, quieter weekends, volume growing over the period; none in the future."""
        latest = self.now - timedelta(minutes=10)
        first_day = (self.now - timedelta(days=days)).astimezone(self.zone).date()
        day_list = [first_day + timedelta(days=i) for i in range(days + 1)]
        day_weights = [WEEKDAY_WEIGHTS[d.weekday()] * (0.8 + 0.45 * i / days) for i, d in enumerate(day_list)]
        hours, hour_weights = list(HOUR_WEIGHTS), list(HOUR_WEIGHTS.values())
        moments = []
        while len(moments) < count:
            need = count - len(moments)
            for day, hour in zip(
                self.rng.choices(day_list, day_weights, k=need),
                self.rng.choices(hours, hour_weights, k=need),
                strict=True,
            ):
                local = datetime(day.year, day.month, day.day, hour, tzinfo=self.zone)
                moment = local + timedelta(seconds=self.rng.randrange(3600))
                if moment <= latest:
                    moments.append(moment.astimezone(UTC))
        moments.sort()
        return moments

    def _agent_for(self, moment: datetime) -> AgentPlan:
        day = moment.date()
        if day not in self.agent_pools:
            noon = moment.replace(hour=12, minute=0, second=0)
            pool = [p for p in self.plans if p.works_at(noon)]
            self.agent_pools[day] = (pool, [p.weight for p in pool])
        pool, weights = self.agent_pools[day]
        return self.rng.choices(pool, weights)[0]

    def _customer(self, moment: datetime, channel: str) -> Customer | None:
        rng = self.rng
        while self.recent and self.recent[0][0] < moment - timedelta(days=7):
            self.recent.popleft()
        if channel == "chat" and rng.random() < 0.06:
            return None  # an anonymous chat: the platform shows the link, nothing to match on
        if self.customers and rng.random() < REPEAT_SHARE:
            if self.recent and rng.random() < CALLBACK_SHARE:
                customer = rng.choice(self.recent)[1]
            else:
                customer = rng.choice(self.customers)
        else:
            customer = self._new_customer()
        if channel == "email" and not customer.email:
            customer.email = self._email(customer.name)
        self.recent.append((moment, customer))
        return customer

    def _new_customer(self) -> Customer:
        rng = self.rng
        language = rng.choices(list(LANGUAGES), list(LANGUAGES.values()))[0]
        first = rng.choice(CUSTOMER_FIRST_NAMES[language])
        single_name = language == "id" and rng.random() < 0.3
        name = first if single_name else f"{first} {rng.choice(CUSTOMER_LAST_NAMES[language])}"
        customer = Customer(
            name=name,
            language=language,
            email=self._email(name) if rng.random() < 0.8 else "",
            phone=self._unique(lambda: PHONE_PREFIXES[language] + str(rng.randrange(10**6, 10**7))),
        )
        self.customers.append(customer)
        return customer

    def _email(self, name: str) -> str:
        rng = self.rng
        return self._unique(lambda: f"{ascii_slug(name)}{rng.randrange(1, 999)}@{rng.choice(EMAIL_DOMAINS)}")

    def _unique(self, make) -> str:
        value = make()
        while value in self.contacts:
            value = make()
        self.contacts.add(value)
        return value

    def _one(self, index: int, moment: datetime) -> tuple[Interaction, Invitation, Response | None]:
        rng = self.rng
        plan = self._agent_for(moment)
        spec = self.specs[plan.department_at(moment)]
        channel = rng.choices(list(spec.channels), list(spec.channels.values()))[0]
        customer = self._customer(moment, channel)
        email, phone = _contact(customer, channel)

        complexity = rng.lognormvariate(0, 0.45) * spec.complexity
        transfers = 0
        transfer_chance = min(0.6, spec.transfer_rate * complexity * (1 - 0.25 * max(-1.0, min(1.0, plan.quality))))
        while transfers < 4 and rng.random() < transfer_chance:
            transfers += 1
        base = BASE_HANDLE_SECONDS[channel]
        handle = base * complexity * math.exp(-0.12 * plan.quality) + transfers * rng.uniform(60, 240)
        resolved = rng.random() < _logistic(1.7 + 0.9 * plan.quality - 0.7 * transfers - 0.9 * (complexity - 1))
        wait = None
        if BASE_WAIT_SECONDS[channel] is not None:
            wait = int(BASE_WAIT_SECONDS[channel] * rng.lognormvariate(0, 0.8) * (1.3 if spec.complexity > 1.1 else 1))
        tags = rng.sample(spec.tags, k=rng.choices((0, 1, 2), (0.1, 0.7, 0.2))[0])

        # Scores: the agent's quality and the contact's difficulty; the company's side on top.
        experience = (
            plan.quality + spec.agent_effect - 0.7 * math.log(handle / base) - 0.5 * transfers - 1.3 * (not resolved)
        )
        agent_mean = 8.2 + 0.95 * experience
        company_mean = (
            8.1
            + spec.company_effect
            + 0.45 * (agent_mean - 8.2)
            + sum(TAGS[t][1] for t in tags)
            - 0.25 * math.log1p((wait or 0) / 180)
        )
        mood = rng.gauss(0, 1.0)
        agent_score = _score(agent_mean + mood + rng.gauss(0, 1.0))
        company_score = _score(company_mean + mood + rng.gauss(0, 1.0))

        interaction = Interaction(
            source=DEMO_SOURCE,
            external_id=f"demo-{index:06d}",
            channel=channel,
            occurred_at=moment,
            agent_id=plan.agent.pk,  # ids, not objects: noticeably faster for tens of thousands of rows
            department_id=self.departments[spec.code].pk,
            survey_id=self.channel_surveys.get(channel, self.survey).pk,
            customer_email=email,
            customer_phone=phone,
            customer_name=customer.name if customer else "",
            language=customer.language if customer else rng.choices(list(LANGUAGES), list(LANGUAGES.values()))[0],
            handle_seconds=int(handle),
            wait_seconds=wait,
            transfers=transfers,
            resolved=resolved,
            tags=tags,
        )
        survey = self.channel_surveys.get(channel, self.survey)
        invitation = self._invitation(interaction, survey=survey, email=email, phone=phone)
        response = None
        if invitation.status == Invitation.Status.ANSWERED:
            response = self._response(invitation, plan, agent_score=agent_score, company_score=company_score)
            response.extra_answers = self._extra_answers(index, invitation, agent_score, company_score)
        return interaction, invitation, response

    def _extra_answers(self, index: int, invitation: Invitation, agent_score: int, company_score: int) -> dict:
        """Answers to the version's extra scale questions, in line with the NPS scores; some
        customers skip the optional ones. A random stream of its own keeps the rest of the
        demo data the same whatever extra questions the surveys ask."""
        version = self.versions.get(invitation.interaction.survey_id)
        if version is None:
            return {}
        rng = random.Random(index * 7919)
        answers = {}
        for question in version.content.get("questions", []):
            if question["kind"] == QuestionKind.CSAT and (question["required"] or rng.random() < 0.88):
                mean = 1 + 4 * (0.55 * agent_score + 0.45 * company_score) / 10
                answers[question["key"]] = max(1, min(5, round(mean + rng.gauss(0, 0.6))))
            elif question["kind"] == QuestionKind.CES and (question["required"] or rng.random() < 0.85):
                answers[question["key"]] = max(1, min(7, round(1 + 6 * agent_score / 10 + rng.gauss(0, 0.8))))
        return answers

    def _response(self, invitation: Invitation, plan: AgentPlan, *, agent_score: int, company_score: int) -> Response:
        """The answer as submit_response stores it, with a why in the customer's language about half the time."""
        rng, interaction = self.rng, invitation.interaction
        tags, wait = interaction.tags, interaction.wait_seconds or 0
        topic = TAGS[tags[0]][0] if tags and rng.random() < 0.75 else rng.choice(("price", "app", "wait"))
        if topic == "wait" and wait < 300:
            topic = "app"
        why = ""
        if rng.random() < WHY_RATE[_worst(agent_score, company_score)]:
            why = why_text(
                rng,
                language=invitation.language,
                agent_score=agent_score,
                company_score=company_score,
                agent_first_name=plan.first_name,
                topic=topic,
                resolved=interaction.resolved,
                wait_minutes=round(wait / 60),
            )
        return Response(
            invitation=invitation,
            interaction=interaction,
            agent_id=interaction.agent_id,
            department_id=interaction.department_id,
            channel=interaction.channel,
            occurred_at=interaction.occurred_at,
            company_score=company_score,
            agent_score=agent_score,
            why=why,
            language=invitation.language,
            survey_version_id=invitation.survey_version_id,
        )

    def _invitation(self, interaction: Interaction, *, survey: Survey, email: str, phone: str) -> Invitation:
        """The sampling decision and what became of the link, as the services record them."""
        rng, moment = self.rng, interaction.occurred_at
        method = DeliveryMethod.EMAIL if email else DeliveryMethod.SMS if phone else DeliveryMethod.LINK
        version = self.versions.get(survey.pk)
        common = {
            "interaction": interaction,
            "method": method,
            "language": interaction.language,
            "survey_version_id": version.pk if version else None,
        }
        reason = None
        window = timedelta(days=survey.fatigue_days)
        if interaction.channel == "sms" and moment < self.sms_since:
            reason = SuppressedReason.CHANNEL_DISABLED
        elif any(c in self.last_invited and moment - self.last_invited[c] < window for c in (email, phone) if c):
            reason = SuppressedReason.FATIGUE
        if reason:
            return Invitation(status=Invitation.Status.SUPPRESSED, suppressed_reason=reason, **common)
        for contact in (email, phone):
            if contact:
                self.last_invited[contact] = moment

        nonce = tokens.new_nonce()
        send_after = moment + timedelta(seconds=rng.uniform(3, 40))
        invitation = Invitation(
            token_nonce=nonce,
            token_hash=tokens.hash_token(tokens.token_for(nonce)),
            send_after=send_after,
            expires_at=send_after + timedelta(days=survey.link_expiry_days),
            **common,
        )
        if method != DeliveryMethod.LINK and rng.random() < FAILED_RATE:
            invitation.status, invitation.attempts = Invitation.Status.FAILED, 1
            invitation.last_error = DELIVERY_ERRORS[method].format(contact=email or phone)
            return invitation
        invitation.attempts = 0 if method == DeliveryMethod.LINK else 1
        invitation.sent_at = send_after + timedelta(seconds=0 if method == DeliveryMethod.LINK else rng.uniform(1, 20))
        expiry = invitation.expires_at
        answered_at = invitation.sent_at + timedelta(minutes=min(rng.lognormvariate(3.2, 1.6), 6.5 * 24 * 60))
        if rng.random() < ANSWER_RATE[interaction.channel] and answered_at < min(expiry, self.now):
            invitation.status = Invitation.Status.ANSWERED
            invitation.answered_at = answered_at
            invitation.opened_at = max(invitation.sent_at, answered_at - timedelta(seconds=rng.uniform(15, 240)))
            return invitation
        opened_at = invitation.sent_at + timedelta(minutes=rng.lognormvariate(3.5, 1.5))
        if rng.random() < OPENED_UNANSWERED and opened_at < min(expiry, self.now):
            invitation.opened_at = opened_at
        if expiry <= self.now:
            invitation.status = Invitation.Status.EXPIRED
        else:
            invitation.status = Invitation.Status.OPENED if invitation.opened_at else Invitation.Status.SENT
        return invitation


def _contact(customer: Customer | None, channel: str) -> tuple[str, str]:
    """The email and phone the platform reports for this channel."""
    if customer is None:
        return "", ""
    if channel == "email":
        return customer.email, ""
    if channel == "sms":
        return "", customer.phone
    if channel == "chat":
        return (customer.email, "") if customer.email else ("", customer.phone)
    return customer.email, customer.phone  # phone: the CRM knows both


def _logistic(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def _score(value: float) -> int:
    return max(0, min(10, round(value)))


def _worst(agent_score: int, company_score: int) -> str:
    lowest = min(agent_score, company_score)
    return "promoter" if lowest >= 9 else "passive" if lowest >= 7 else "detractor"
