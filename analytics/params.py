"""Query-string parameters shared by the analytics API (and later the dashboards)."""

from datetime import date, timedelta

from django.utils import timezone
from rest_framework import serializers

from agents.models import Agent, Department
from analytics.selectors import GROUPS, QUESTIONS
from surveys.models import Channel
from surveys.query_params import QuerySerializer

DEFAULT_DAYS = 90


def today() -> date:
    return timezone.localdate()


class PeriodSerializer(QuerySerializer):
    since = serializers.DateField(required=False, input_formats=["%Y-%m-%d"])
    until = serializers.DateField(required=False, input_formats=["%Y-%m-%d"])

    def validate(self, attrs: dict) -> dict:
        until = attrs.get("until") or today()
        since = attrs.get("since") or until - timedelta(days=DEFAULT_DAYS - 1)
        if since > until:
            raise serializers.ValidationError({"since": ["since must be on or before until."]})
        attrs["since"], attrs["until"] = since, until
        return attrs


class NpsQuerySerializer(PeriodSerializer):
    group_by = serializers.ChoiceField(choices=GROUPS, required=False, default="company")
    question = serializers.ChoiceField(choices=QUESTIONS, required=False, default="agent")
    department = serializers.SlugField(required=False)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False)

    agent = serializers.CharField(
        required=False, max_length=200, help_text="An agent's external id: only their answers."
    )

    def validate_department(self, code: str) -> Department:
        department = Department.objects.filter(code=code).first()
        if department is None:
            raise serializers.ValidationError(f"Unknown department {code!r}.")
        return department

    def validate_agent(self, external_id: str) -> Agent:
        agent = Agent.objects.select_related("department").filter(external_id=external_id).first()
        if agent is None:
            raise serializers.ValidationError(f"Unknown agent {external_id!r}.")
        return agent


# Query parameters DRF itself reads (the browsable API's ?format=json).
FRAMEWORK_PARAMS = {"format"}


def reject_unknown_params(query_params, serializer_class: type[serializers.Serializer]) -> None:
    """A misspelt or unsupported parameter answers 400 instead of being silently ignored."""
    unknown = sorted(set(query_params) - set(serializer_class().fields) - FRAMEWORK_PARAMS)
    if unknown:
        raise serializers.ValidationError({name: ["Unknown query parameter."] for name in unknown})
