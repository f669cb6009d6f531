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


async def test_a_job_that_finished_before_the_cancel_arrived_is_said_so():
    """Seen in tmux: the job SUCCEEDED while the operator typed the sandbox name; the Platform refused
    the cancel with a 400 and the console said "fix the request and try again"."""
    from tui.core.errors import InvalidRequestError

    api = FakeJobsAPI([job_record(1, "PROCESSING"), job_record(2, "PROCESSING")])
    jobs = [await api.get_job("1"), await api.get_job("2")]
    refusal_400 = "Cancelling export job {} failed because the Platform rejected the request (HTTP 400)."
    api.records["1"] = job_record(1, "SUCCEEDED")  # finished meanwhile
    api.fail_cancel["1"] = InvalidRequestError(refusal_400.format(1), status=400)
    api.fail_cancel["2"] = InvalidRequestError(refusal_400.format(2), status=400)  # still running: a real refusal
    finished, still = await cancel_many(api, jobs)
    assert finished.refused and not finished.ok and finished.finished is not None
    assert finished.text == "Job 1 finished (SUCCEEDED) before the cancel reached the Platform; nothing was cancelled."
    assert not still.refused and not still.ok
    assert still.text.startswith("Cancelling export job 2 failed") and "was not cancelled" not in still.text


async def test_an_error_about_another_job_still_names_this_one():
    api = FakeJobsAPI([job_record(1, "PROCESSING")])
    api.fail_cancel["1"] = ServerError("Platform returned 503 while cancelling job 12; try again.")
    [outcome] = await cancel_many(api, [await api.get_job("1")])
    assert outcome.text.startswith("Job 1 was not cancelled: ")
