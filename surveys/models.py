"""Surveys: configuration, interactions, invitations and the customers' responses."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from agents.models import Agent, Department
from surveys.validators import validate_accent_colour, validate_https_url, validate_logo_url

SCORE_RANGE = Q(company_score__gte=0, company_score__lte=10) & Q(agent_score__gte=0, agent_score__lte=10)
WHY_MAX_LENGTH = 5000


class Channel(models.TextChoices):
    PHONE = "phone", "Phone"
    CHAT = "chat", "Chat"
    EMAIL = "email", "Email"
    SMS = "sms", "SMS"


class DeliveryMethod(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "SMS"
    LINK = "link", "Link only (the platform delivers it)"


class SuppressedReason(models.TextChoices):
    SURVEY_INACTIVE = "survey_inactive", "Survey inactive"
    CHANNEL_DISABLED = "channel_disabled", "Channel disabled"
    SAMPLE_REACHED = "sample_reached", "Agent's monthly sample reached"
    FATIGUE = "fatigue", "Customer surveyed recently"
    NOT_REQUESTED = "not_requested", "Not requested (invite: false)"
    TOO_OLD = "too_old", "Too old to invite"


class Survey(models.Model):
    """What is asked and when. Wording lives in SurveyTranslation, one row per language."""

    name = models.CharField(max_length=200)
    is_default = models.BooleanField(default=False, help_text="Used for interactions no other rule assigns.")
    active = models.BooleanField(default=True, help_text="An inactive survey invites no one.")
    default_language = models.CharField(max_length=10, default="en")
    invite_phone = models.BooleanField("Invite after phone calls", default=True)
    invite_chat = models.BooleanField("Invite after chats", default=True)
    invite_email = models.BooleanField("Invite after email tickets", default=True)
    invite_sms = models.BooleanField("Invite after SMS conversations", default=True)
    link_expiry_days = models.PositiveSmallIntegerField(default=7)
    fatigue_days = models.PositiveSmallIntegerField(
        default=30, help_text="Do not invite the same email or phone again within this many days."
    )
    agent_monthly_target = models.PositiveIntegerField(
        default=0,
        help_text="Answers wanted per agent per calendar month; once reached, that agent's further "
        "interactions that month are not surveyed. 0 = survey every interaction.",
    )
    send_delay_minutes = models.PositiveIntegerField(default=0, help_text="Wait this long before sending.")
    max_invite_age_hours = models.PositiveIntegerField(
        default=72,
        help_text="Interactions older than this many hours when they are reported are recorded but never "
        "invited (a backfill of history must not survey old customers). 0 = no limit.",
    )
    reminder_enabled = models.BooleanField(
        "Send one reminder", default=False, help_text="Remind customers who have not answered, once."
    )
    reminder_after_hours = models.PositiveSmallIntegerField(
        default=24,
        validators=[MinValueValidator(1)],
        help_text="Hours after the invitation was sent; only email and SMS invitations are reminded.",
    )
    # Branding: what the customer's page shows. Not versioned: it changes no answer's meaning.
    display_name = models.CharField(
        max_length=100, blank=True, help_text="The name customers see. Blank: the company name."
    )
    logo_url = models.CharField(
        "Logo",
        max_length=500,
        blank=True,
        validators=[validate_logo_url],
        help_text="An https:// address or a /static/ path of an image, shown above the questions.",
    )
    accent_colour = models.CharField(
        max_length=7,
        blank=True,
        validators=[validate_accent_colour],
        help_text="#RRGGBB for the buttons and the chosen answers; white text must stay readable on it.",
    )
    privacy_url = models.URLField(
        "Privacy notice",
        max_length=500,
        blank=True,
        validators=[validate_https_url],
        help_text="An https:// link shown at the bottom of the customer's page.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-is_default", "name"]
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True), name="one_default_survey"),
            models.CheckConstraint(condition=Q(link_expiry_days__gte=1), name="survey_link_expiry_positive"),
            models.CheckConstraint(condition=Q(reminder_after_hours__gte=1), name="survey_reminder_after_positive"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def brand_name(self) -> str:
        return self.display_name or settings.COMPANY_NAME

    def invites_on(self, channel: str) -> bool:
        return bool(getattr(self, f"invite_{channel}", False))

    @property
    def invited_channels(self) -> list[str]:
        return [label for value, label in Channel.choices if self.invites_on(value)]


class SurveyTranslation(models.Model):
    """Wording of one survey in one language. Blank fields use the built-in wording."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(max_length=10)
    company_question = models.CharField(max_length=300, blank=True)
    agent_question = models.CharField(
        max_length=300, blank=True, help_text="Use {agent} where the agent's first name goes."
    )
    why_prompt = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["survey", "language"]
        constraints = [models.UniqueConstraint(fields=["survey", "language"], name="one_translation_per_language")]

    def __str__(self) -> str:
        return f"{self.survey} ({self.language})"


class QuestionKind(models.TextChoices):
    CSAT = "csat", "Satisfaction (CSAT, 1–5)"
    CES = "ces", "Effort (CES, 1–7)"
    YES_NO = "yes_no", "Yes or no"
    TEXT = "text", "Short text"


# Scale questions: the lowest and highest answer.
SCALE_BOUNDS = {QuestionKind.CSAT: (1, 5), QuestionKind.CES: (1, 7)}
TEXT_ANSWER_MAX_LENGTH = 500


class SurveyQuestion(models.Model):
    """An extra question asked after the two NPS questions. `key` names its answer in
    Response.extra_answers and never changes; neither does its kind once saved."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    key = models.SlugField(max_length=40, help_text="Names the answer in exports; fixed once saved.")
    kind = models.CharField(max_length=10, choices=QuestionKind.choices)
    required = models.BooleanField(default=False, help_text="Customers must answer it to send their answers.")
    position = models.PositiveSmallIntegerField(default=1)
    text = models.JSONField(default=dict, help_text='The question per language: {"en": "…", "id": "…"}.')

    class Meta:
        ordering = ["survey", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["survey", "key"], name="one_question_per_key")]

    def __str__(self) -> str:
        return f"{self.survey}: {self.key}"


class SurveyVersion(models.Model):
    """What a survey asked, frozen: its wording per language and its extra questions.

    A new version is stored whenever an admin changes either; invitations and responses
    point at the version the customer was shown, so editing never rewrites the past.
    `content` is {"default_language", "wording": {lang: {company_question, agent_question,
    why_prompt}}, "questions": [{key, kind, required, text: {lang: text}}]}.
    """

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    content = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["survey", "-number"]
        constraints = [models.UniqueConstraint(fields=["survey", "number"], name="one_survey_version_number")]

    def __str__(self) -> str:
        return f"{self.survey} v{self.number}"


class SurveyAssignment(models.Model):
    """A rule sending interactions of a department and/or a channel to a survey.

    Precedence when several match: department + channel, then department, then channel;
    interactions no active survey's rule matches get the default survey.
    """

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="rules")
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.CASCADE, related_name="survey_rules"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices, blank=True)

    class Meta:
        ordering = ["survey", "department__name", "channel"]
        constraints = [
            models.CheckConstraint(
                condition=Q(department__isnull=False) | ~Q(channel=""), name="assignment_department_or_channel"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.department or 'Any department'} + {self.get_channel_display() or 'any channel'} → {self.survey}"

    @property
    def specificity(self) -> int:
        return (2 if self.department_id else 0) + (1 if self.channel else 0)


class Interaction(models.Model):
    """A finished call, chat, email ticket or SMS conversation, as the platform reported it.

    `agent` and `department` are a snapshot of who handled it and where that agent worked
    at the time; moving the agent later never moves this interaction.
    """

    source = models.CharField(max_length=100, default="api")
    external_id = models.CharField(max_length=200)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    occurred_at = models.DateTimeField(db_index=True)
    agent = models.ForeignKey(Agent, on_delete=models.PROTECT, related_name="interactions")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="interactions")
    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="interactions")
    customer_email = models.EmailField(max_length=254, blank=True, db_index=True)
    customer_phone = models.CharField(max_length=32, blank=True, db_index=True)
    customer_name = models.CharField(max_length=200, blank=True)
    language = models.CharField(max_length=10, blank=True)
    handle_seconds = models.PositiveIntegerField(null=True, blank=True)
    wait_seconds = models.PositiveIntegerField(null=True, blank=True)
    transfers = models.PositiveSmallIntegerField(null=True, blank=True)
    resolved = models.BooleanField(null=True, blank=True)
    tags = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at"]
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="interaction_unique_per_source"),
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.external_id}"


class Invitation(models.Model):
    """The survey decision for one interaction: a link to answer, or why there is none."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        OPENED = "opened", "Opened"
        ANSWERED = "answered", "Answered"
        EXPIRED = "expired", "Expired"
        SUPPRESSED = "suppressed", "Suppressed"
        FAILED = "failed", "Delivery failed"

    interaction = models.OneToOneField(Interaction, on_delete=models.CASCADE, related_name="invitation")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    suppressed_reason = models.CharField(max_length=32, choices=SuppressedReason.choices, blank=True)
    method = models.CharField(max_length=10, choices=DeliveryMethod.choices, default=DeliveryMethod.LINK)
    language = models.CharField(max_length=10, default="en")
    # The token itself is never stored: see surveys/tokens.py.
    token_nonce = models.CharField(max_length=32, null=True, blank=True, editable=False)
    token_hash = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    send_after = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    survey_version = models.ForeignKey(
        SurveyVersion,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invitations",
        help_text="What the customer is asked: the survey as it was when the invitation was made.",
    )
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    reminder_attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "send_after"], name="invitation_due_idx"),
            models.Index(fields=["status", "sent_at"], name="invitation_reminder_idx"),
        ]

    def __str__(self) -> str:
        return f"Invitation for {self.interaction}"

    @property
    def is_answerable(self) -> bool:
        return self.status in {self.Status.PENDING, self.Status.SENT, self.Status.OPENED, self.Status.FAILED}


def category_rank(score_field: str) -> models.Case:
    """0 for a detractor score, 1 passive, 2 promoter: the comments page's default order.
    Response's comment indexes are built on exactly this expression, so keep them together."""
    return models.Case(
        models.When(**{f"{score_field}__lte": 6}, then=models.Value(0)),
        models.When(**{f"{score_field}__lte": 8}, then=models.Value(1)),
        default=models.Value(2),
        output_field=models.IntegerField(),
    )


def _comment_index(question: str) -> models.Index:
    """The comments page for one question, detractors first, newest first: its first page
    read straight off this index instead of sorting a year of answers."""
    return models.Index(
        category_rank(f"{question}_score"),
        models.F("occurred_at").desc(),
        models.F("id").desc(),
        condition=~models.Q(why=""),
        name=f"response_{question}_comment_idx",
    )


class Response(models.Model):
    """One customer's answer. Agent, department, channel and day are copied from the interaction."""

    invitation = models.OneToOneField(Invitation, on_delete=models.PROTECT, related_name="response")
    interaction = models.OneToOneField(Interaction, on_delete=models.PROTECT, related_name="response")
    agent = models.ForeignKey(Agent, on_delete=models.PROTECT, related_name="responses")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="responses")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    occurred_at = models.DateTimeField(help_text="When the rated interaction happened.")
    company_score = models.PositiveSmallIntegerField()
    agent_score = models.PositiveSmallIntegerField()
    why = models.TextField(blank=True)
    extra_answers = models.JSONField(
        default=dict, blank=True, help_text="Answers to the extra questions, by question key."
    )
    survey_version = models.ForeignKey(
        SurveyVersion,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="responses",
        help_text="The version of the survey the customer answered.",
    )
    language = models.CharField(max_length=10)
    submitted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-submitted_at"]
        constraints = [models.CheckConstraint(condition=SCORE_RANGE, name="response_scores_0_to_10")]
        indexes = [
            models.Index(fields=["occurred_at"], name="response_occurred_idx"),
            models.Index(fields=["agent", "occurred_at"], name="response_agent_occurred_idx"),
            models.Index(fields=["department", "occurred_at"], name="response_dept_occurred_idx"),
            models.Index(fields=["occurred_at"], condition=~models.Q(why=""), name="response_comment_day_idx"),
            _comment_index("agent"),
            _comment_index("company"),
            # The promoters-to-thank page (followups/promoter_selectors.py): per department,
            # newest first, only answers with 9 or more on both questions (PROMOTER_MIN_SCORE's
            # default; the page's queries inline the setting so the planner can match this).
            models.Index(
                fields=["department", "occurred_at", "id"],
                include=["channel"],
                condition=models.Q(company_score__gte=9, agent_score__gte=9),
                name="response_promoter_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.company_score}/{self.agent_score} for {self.interaction}"


class ApiToken(models.Model):
    """A credential for one integration. Only the SHA-256 of the key is stored."""

    name = models.CharField(max_length=100, unique=True)
    prefix = models.CharField(max_length=8, editable=False, help_text="First characters, to recognise the key.")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, editable=False
    )

    class Meta:
        ordering = ["name"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    # DRF's IsAuthenticated asks request.user.is_authenticated.
    is_authenticated = True
