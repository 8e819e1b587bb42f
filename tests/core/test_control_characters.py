"""A NUL or other control character pasted into any box or query string gets an answer,
never a server error: PostgreSQL refuses NUL in any text it is sent."""

import pytest

from tests.factories import make_account

pytestmark = pytest.mark.django_db

NUL = "ab\x00cd"


@pytest.fixture
def number():
    return make_account().number


@pytest.mark.parametrize(
    "path",
    [
        "/search/?q={nul}",
        "/payments/receipts/?q={nul}",
        "/payments/change-due/?amount={nul}",
        "/contacts/?q={nul}&name={nul}&follow_up={nul}",
        "/contacts/follow-ups/board/?assigned_to={nul}",
        "/contacts/report/?start={nul}&end={nul}",
        "/workorders/?type={nul}&crew={nul}&vendor={nul}&status={nul}&due_by={nul}&page={nul}",
        "/workorders/vendors/?start={nul}",
        "/closeout/day/?day={nul}",
        "/accounts/{number}/ledger/?offset={nul}",
        "/reports/statement/{number}/?start={nul}&end={nul}",
    ],
)
def test_a_nul_in_the_query_string_is_answered(supervisor_client, number, path):
    response = supervisor_client.get(path.format(nul=NUL, number=number))
    assert response.status_code < 500, response.status_code


@pytest.mark.parametrize(
    "path",
    [
        "/workorders/%00/",
        "/workorders/WO-1000001%00/",
        "/workorders/WO-1%00/sheet.pdf",
        "/reports/statement/{number}%00/",
        "/accounts/{number}/bills/%00/",
        "/accounts/{number}%00/",
        "/payments/receipts/R%00/",
    ],
)
def test_a_nul_in_the_address_is_not_found(supervisor_client, number, path):
    response = supervisor_client.get(path.format(number=number))
    assert response.status_code == 404
