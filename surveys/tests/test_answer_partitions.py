"""The answer table partitioned by campaign on PostgreSQL (surveys.partitions); nothing changes on SQLite."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from campaigns.models import CampaignStatus
from campaigns.services import campaign_activate
from reports.selectors import index_tables
from reports.services import index_recompute
from surveys.models import Answer
from surveys.partitions import DEFAULT_PARTITION, answers_partitioned, partition_name
from surveys.tests.factories_collection import make_campaign, payload
from units.access import SYSTEM
from units.models import Role

pytestmark = pytest.mark.django_db

postgres_only = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="phân vùng chỉ có trên PostgreSQL (DATABASE_URL)")


def where_answers_are(campaign) -> dict[str, int]:
    """Which table each answer of the campaign sits in: partition name → rows."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableoid::regclass::text, COUNT(*) FROM surveys_answer WHERE campaign_id = %s GROUP BY 1", [campaign.pk])
        return dict(cursor.fetchall())


def submit(client, user, setup, unit, level: int = 4) -> None:
    client.force_login(user)
    body = payload(setup, unit)
    body["answers"] = {k: (level if isinstance(v, int) else v) for k, v in body["answers"].items()}
    reply = client.post("/api/v1/responses/", data=json.dumps(body), content_type="application/json")
    assert reply.status_code == 201, reply.content


def test_on_sqlite_the_answer_table_is_plain_and_the_command_says_so():
    if connection.vendor == "postgresql":
        pytest.skip("SQLite only")
    assert not answers_partitioned()
    with pytest.raises(CommandError, match="chỉ có trên PostgreSQL"):
        call_command("answer_partitions", "--sync")


@postgres_only
def test_an_activated_campaign_gets_its_partition_and_submissions_land_in_it(client, tree, make_user):
    setup = make_campaign(organiser=tree["A"], units=[tree["A1"]], code="kich-hoat", status=CampaignStatus.DRAFT)
    other = make_campaign(organiser=tree["A"], units=[tree["A1"]], code="chua-phan-vung")  # made active by a script, never activated
    campaign_activate(campaign=setup.campaign, actor=SYSTEM)
    enumerator = make_user("dtv", Role.ENUMERATOR, tree["A1"])
    submit(client, enumerator, setup, tree["A1"])
    submit(client, enumerator, other, tree["A1"], level=2)
    answers = Answer.objects.filter(campaign=setup.campaign).count()
    assert answers > 0
    assert where_answers_are(setup.campaign) == {partition_name(setup.campaign.pk): answers}
    assert set(where_answers_are(other.campaign)) == {DEFAULT_PARTITION}


@postgres_only
def test_sync_moves_a_campaign_out_of_the_default_partition_and_the_figures_stay(client, tree, make_user):
    setup = make_campaign(organiser=tree["A"], units=[tree["A1"], tree["A2"]], code="dong-bo")
    enumerator = make_user("dtv", Role.ENUMERATOR, tree["A1"])
    for level in (5, 4, 2):
        submit(client, enumerator, setup, tree["A1"], level=level)
    index_recompute(setup.campaign.pk, full=True)
    before = index_tables(setup.campaign)
    ids = sorted(Answer.objects.filter(campaign=setup.campaign).values_list("pk", flat=True))
    call_command("answer_partitions", "--sync", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert set(where_answers_are(setup.campaign)) == {partition_name(setup.campaign.pk)}
    assert sorted(Answer.objects.filter(campaign=setup.campaign).values_list("pk", flat=True)) == ids
    index_recompute(setup.campaign.pk, full=True)
    assert index_tables(setup.campaign) == before
    submit(client, enumerator, setup, tree["A1"])  # later submissions go straight to the new partition
    assert set(where_answers_are(setup.campaign)) == {partition_name(setup.campaign.pk)}


@postgres_only
def test_an_archived_campaigns_answers_are_detached_and_attached_again(client, tree, make_user):
    setup = make_campaign(organiser=tree["A"], units=[tree["A1"]], code="luu-tru")
    kept = make_campaign(organiser=tree["A"], units=[tree["A1"]], code="con-dung")
    enumerator = make_user("dtv", Role.ENUMERATOR, tree["A1"])
    submit(client, enumerator, setup, tree["A1"])
    submit(client, enumerator, kept, tree["A1"])
    call_command("answer_partitions", "--sync", stdout=open("/dev/null", "w"))  # noqa: SIM115
    count, others = Answer.objects.filter(campaign=setup.campaign).count(), Answer.objects.filter(campaign=kept.campaign).count()
    with pytest.raises(CommandError, match="đã lưu trữ"):
        call_command("answer_partitions", "--detach", "luu-tru")
    setup.campaign.status = CampaignStatus.ARCHIVED
    setup.campaign.save(update_fields=["status"])
    call_command("answer_partitions", "--detach", "luu-tru", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert not Answer.objects.filter(campaign=setup.campaign).exists()
    assert Answer.objects.filter(campaign=kept.campaign).count() == others
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {partition_name(setup.campaign.pk)}")
        assert cursor.fetchone()[0] == count  # kept in its own table, to dump and drop
    call_command("answer_partitions", "--attach", "luu-tru", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Answer.objects.filter(campaign=setup.campaign).count() == count
    with pytest.raises(CommandError, match="Không có đợt"):
        call_command("answer_partitions", "--detach", "khong-co")
