"""The base of the API's query-string serializers (here because analytics builds on surveys)."""

from rest_framework import serializers


class QuerySerializer(serializers.Serializer):
    """Query parameters, where an empty value (`?department=`) is an error, not "not given".

    DRF treats a blank form value of an optional field as absent; for an API that silently
    widens a filter (every department instead of one), and the schema says a date, a code or
    a choice, never an empty string."""

    def to_internal_value(self, data):
        blank = {name: ["This field may not be blank."] for name in self.fields if data.get(name, None) == ""}
        if blank:
            raise serializers.ValidationError(blank)
        return super().to_internal_value(data)
