"""The cancellation rules shared by the console and `aepx jobs cancel`."""

from tests.fakes import FakeJobsAPI, job_record
from tui.core.cancel import cancel_many
from tui.core.errors import ServerError
from tui.core.models import Job


async def test_each_job_gets_its_own_outcome_and_finished_jobs_send_nothing():
    api = FakeJobsAPI([job_record(1, "PROCESSING"), job_record(2, "SUCCEEDED"), job_record(3, "NEW"),
                       job_record(4, "PROCESSING")])
    jobs = [await api.get_job(str(i)) for i in (1, 2, 3, 4)]
    del api.records["3"]  # gone between the listing and the cancel: a 404
    api.fail_cancel["4"] = ServerError("Platform answered 503: Service Unavailable. Try again in a minute.")
    outcomes = await cancel_many(api, jobs)
    assert [o.job_id for o in outcomes] == ["1", "2", "3", "4"]
    ok, refused, gone, failed = outcomes
    assert ok.ok and not ok.already_gone and "cancel requested" in ok.text
    assert refused.refused and not refused.ok and "SUCCEEDED" in refused.text
    assert gone.ok and gone.already_gone
    assert not failed.ok and not failed.refused and "503" in failed.text
    assert sorted(arg for name, arg in api.calls if name == "cancel_job") == ["1", "3", "4"]


async def test_unknown_status_is_refused():
    job = Job.parse({"id": 9, "status": "CANCELLING"})
    [outcome] = await cancel_many(FakeJobsAPI([]), [job])
    assert outcome.refused and "only NEW or PROCESSING" in outcome.text
