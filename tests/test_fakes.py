from tests.fakes import FakeJobsAPI, job_record
from tui.core.protocol import JobsAPI


async def test_fake_pages_newest_first_and_satisfies_protocol():
    api = FakeJobsAPI([job_record(i) for i in range(1, 8)])
    assert isinstance(api, JobsAPI)
    pages = [p async for p in api.iter_jobs(limit=3)]
    ids = [j.id for p in pages for j in p.jobs]
    assert ids == ["1", "2", "3", "4", "5", "6", "7"]  # lower id = created later in job_record
    assert [p.has_more for p in pages] == [True, True, False]
