"""The QEV client's pieces that need no chain: tiers, opening files, settlement sorting."""

import stat

import pytest

from scripts._suite.qev import Opening, make_bid, tier_for
from zk import check_opening, context, verify

AUCTION = "0x" + "11" * 20
BIDDER = "0x" + "22" * 20


@pytest.mark.parametrize(("fee", "tier"), [(0, 4), (15, 4), (16, 5), (1023, 10), (1024, 11), (10_000, 14)])
def test_tier_for__fee__smallest_tier_that_holds_it(fee, tier):
    assert tier_for(fee) == tier


def test_make_bid__fresh_blinding__proof_verifies_and_opening_opens():
    opening, words, proof = make_bid(42161, AUCTION, BIDDER, 3, 7, 250)
    ctx = context(42161, AUCTION, BIDDER, 3, 7, opening.tier)
    assert verify((words[0], words[1]), opening.tier, ctx, proof)
    assert check_opening((words[0], words[1]), 250, opening.blinding)
    other, _, _ = make_bid(42161, AUCTION, BIDDER, 3, 7, 250)
    assert other.blinding != opening.blinding


def test_opening_save__new_file__owner_only_and_round_trips(tmp_path):
    opening, _, _ = make_bid(42161, AUCTION, BIDDER, 3, 7, 250)
    path = opening.save(tmp_path / "o" / "bid.opening.json")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert Opening.load(path) == opening


def test_opening_save__existing_file__refuses_to_overwrite(tmp_path):
    opening, _, _ = make_bid(42161, AUCTION, BIDDER, 3, 7, 250)
    path = opening.save(tmp_path / "bid.opening.json")
    with pytest.raises(FileExistsError):
        opening.save(path)
