"""factory_boy factories for the domain. Build what a test needs, nothing more."""

from datetime import timedelta

import factory
from django.utils import timezone

from agents.models import Agent, Department
from surveys import tokens
from surveys.models import Interaction, Invitation, Response, Survey


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"dept-{n}")
    name = factory.LazyAttribute(lambda o: o.code.replace("-", " ").title())


class AgentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agent
        django_get_or_create = ("external_id",)

    external_id = factory.Sequence(lambda n: f"agent-{n}")
    name = factory.Faker("name")
    department = factory.SubFactory(DepartmentFactory)


class SurveyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Survey
        django_get_or_create = ("is_default",)

    name = "Default survey"
    is_default = True


class InteractionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Interaction

    source = "api"
    external_id = factory.Sequence(lambda n: f"ext-{n}")
    channel = "phone"
    occurred_at = factory.LazyFunction(timezone.now)
    agent = factory.SubFactory(AgentFactory)
    department = factory.LazyAttribute(lambda o: o.agent.department)
    survey = factory.SubFactory(SurveyFactory)
    customer_email = factory.Sequence(lambda n: f"customer{n}@example.com")
    language = "en"


class InvitationFactory(factory.django.DjangoModelFactory):
    """An answerable invitation. `token` is available on the built object."""

    class Meta:
        model = Invitation
        exclude = ("nonce",)
        skip_postgeneration_save = True

    interaction = factory.SubFactory(InteractionFactory)
    status = Invitation.Status.SENT
    method = "link"
    language = "en"
    nonce = factory.LazyFunction(tokens.new_nonce)
    token_nonce = factory.SelfAttribute("nonce")
    token_hash = factory.LazyAttribute(lambda o: tokens.hash_token(tokens.token_for(o.nonce)))
    send_after = factory.LazyFunction(timezone.now)
    sent_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))

    @factory.post_generation
    def token(obj, create, extracted, **kwargs):  # noqa: N805 - factory_boy hook signature
        obj.token = tokens.token_for(obj.token_nonce)


class ResponseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Response

    invitation = factory.SubFactory(InvitationFactory, status=Invitation.Status.ANSWERED)
    interaction = factory.SelfAttribute("invitation.interaction")
    agent = factory.SelfAttribute("interaction.agent")
    department = factory.SelfAttribute("interaction.department")
    channel = factory.SelfAttribute("interaction.channel")
    occurred_at = factory.SelfAttribute("interaction.occurred_at")
    company_score = 9
    agent_score = 10
    why = ""
    language = "en"


# --- Survey editor, versions and assignment (added with the survey editor) ---------------------


TEST_PASSWORD = "pw-test-123"
_hashed_test_password: list[str] = []


def _test_password_hash() -> str:
    """Hashed once per run: the default hasher takes about a second per password."""
    from django.contrib.auth.hashers import make_password

    if not _hashed_test_password:
        _hashed_test_password.append(make_password(TEST_PASSWORD))
    return _hashed_test_password[0]


class UserFactory(factory.django.DjangoModelFactory):
    """A login with the password TEST_PASSWORD; `is_staff=True` makes an admin."""

    class Meta:
        model = "auth.User"
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = factory.LazyFunction(_test_password_hash)


class SurveyQuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "surveys.SurveyQuestion"

    survey = factory.SubFactory(SurveyFactory)
    key = factory.Sequence(lambda n: f"csat_{n + 1}")
    kind = "csat"
    required = False
    position = factory.Sequence(lambda n: n + 1)
    text = factory.LazyFunction(lambda: {"en": "How satisfied are you with the answer you got?"})


class OtherSurveyFactory(factory.django.DjangoModelFactory):
    """A survey that is not the default (SurveyFactory always gives the one default survey)."""

    class Meta:
        model = Survey

    name = factory.Sequence(lambda n: f"Survey {n}")
    is_default = False


class SurveyAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "surveys.SurveyAssignment"

    survey = factory.SubFactory(OtherSurveyFactory)
    department = None
    channel = ""
