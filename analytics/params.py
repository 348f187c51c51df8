"""Query-string parameters shared by the analytics API (and later the dashboards)."""

from datetime import date, timedelta

from django.utils import timezone
from rest_framework import serializers

from agents.models import Department
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

    def validate_department(self, code: str) -> Department:
        department = Department.objects.filter(code=code).first()
        if department is None:
            raise serializers.ValidationError(f"Unknown department {code!r}.")
        return department
