from tests.faults.throwaway_redis import throwaway_redis  # noqa: F401 - the fixture
