"""Background tasks: the embedded thread pool, a real Redis queue, status and failure."""

from __future__ import annotations

import os

import pytest
from django.core.files.base import ContentFile

from kechuang.apps.accounts.models import OrgUnit
from kechuang.apps.tasks import runner
from kechuang.apps.tasks.models import Task
from kechuang.apps.tasks.registry import task

REDIS_URL = os.environ.get("KECHUANG_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@task("tests.count_to")
def count_to(run):
    total = run.params["n"]
    for done in range(1, total + 1):
        run.progress(done, total, f"{done}/{total}")
    return {"counted": total}


@task("tests.fail")
def fail(run):
    raise runner.TaskFailed("这一步失败了", {"why": "test"})


def _units_csv() -> ContentFile:
    return ContentFile("编码,名称,上级编码,类型\n150300D009,测试局,150300,department\n".encode(), name="u.csv")


@pytest.mark.django_db
def test_a_task_records_its_progress_and_result(people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        created = runner.enqueue("tests.count_to", acting_user=people.admin, label="count", params={"n": 3})
    created.refresh_from_db()
    assert (created.status, created.done, created.total, created.percent) == ("succeeded", 3, 3, 100)
    assert created.result == {"counted": 3}
    assert created.started_at <= created.finished_at


@pytest.mark.django_db
def test_a_failing_task_says_why(people, login, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        created = runner.enqueue("tests.fail", acting_user=people.officer_wuhai, label="fail")
    created.refresh_from_db()
    assert created.status == "failed" and created.error == "这一步失败了" and created.result == {"why": "test"}
    body = login(people.officer_wuhai).get(f"/api/tasks/{created.pk}/").json()
    assert body["status"] == "failed" and body["error"] == "这一步失败了"


@pytest.mark.django_db
def test_a_user_follows_its_own_tasks_not_anothers(people, login):
    mine = Task.objects.create(name="tests.count_to", label="mine", created_by=people.officer_wuhai)
    theirs = Task.objects.create(name="tests.count_to", label="theirs", created_by=people.officer_hohhot)
    client = login(people.officer_wuhai)
    assert client.get(f"/api/tasks/{mine.pk}/").status_code == 200
    assert client.get(f"/api/tasks/{theirs.pk}/").status_code == 404
    assert client.get(f"/tasks/{theirs.pk}/").status_code == 404
    assert [t["label"] for t in client.get("/api/tasks/").json()["results"]] == ["mine"]


def test_an_unknown_task_name_is_refused_at_once():
    with pytest.raises(KeyError):
        runner.enqueue("tests.no_such_task", acting_user=None, label="x")


@pytest.mark.django_db(transaction=True)
def test_the_embedded_thread_pool_runs_a_task_outside_the_request(people, settings):
    settings.TASKS_BACKEND = "thread"
    created = runner.enqueue("accounts.import_org_units", acting_user=people.admin, label="import",
                             params={"filename": "u.csv"}, input_file=_units_csv())
    runner.wait_for_threads()
    created.refresh_from_db()
    assert created.status == "succeeded", created.error
    assert OrgUnit.objects.filter(code="150300D009").exists()


@pytest.mark.django_db
def test_a_redis_queue_hands_the_task_to_a_worker(people, settings, django_capture_on_commit_callbacks):
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisConnectionError
    from rq import SimpleWorker

    connection = Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except RedisConnectionError:
        pytest.skip(f"Redis at {REDIS_URL} is not reachable: the queue backend is NOT tested")
    settings.TASKS_BACKEND = "rq"
    settings.REDIS_URL = REDIS_URL
    settings.TASKS_QUEUE = "kechuang-test"
    queue = runner.rq_queue()
    queue.empty()
    with django_capture_on_commit_callbacks(execute=True):
        created = runner.enqueue("accounts.import_org_units", acting_user=people.admin, label="import",
                                 params={"filename": "u.csv"}, input_file=_units_csv())
    assert queue.count == 1
    created.refresh_from_db()
    assert created.status == "queued"
    # A real RQ worker takes the job from Redis (in this process, so it shares the test database).
    SimpleWorker([queue], connection=connection).work(burst=True)
    created.refresh_from_db()
    assert created.status == "succeeded", created.error
    assert OrgUnit.objects.filter(code="150300D009").exists()
    assert queue.count == 0
