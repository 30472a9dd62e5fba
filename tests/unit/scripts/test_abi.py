"""Python speaks the ABI by name (`scripts/_suite/abi.py`): a struct or argument list given by field
name is placed by the compiled ABI, so inserting or reordering a field in Solidity can never shift a
value into the wrong field; a name the ABI does not have, or a field left out, is refused."""

from __future__ import annotations

import copy

import pytest
from ape import project
from eth_utils import keccak

from scripts._suite import abi
from scripts._suite.credit import terms_fields
from scripts._suite.deployment import Params

RISK = Params().book_risk()


def _book_abi_with(change):
    """A copy of LoanBook's ABI whose RiskParams struct was edited by `change(components)`."""
    entries = [e.model_dump(mode="json", by_alias=True) for e in project.LoanBook.contract_type.abi]
    edited = copy.deepcopy(entries)
    for entry in edited:
        for p in abi._struct_types([*entry.get("inputs", []), *entry.get("outputs", [])]):
            if str(p.get("internalType", "")).endswith(".RiskParams"):
                change(p["components"])
    return edited


def test_struct__fields_by_name__placed_in_abi_order():
    encoded = abi.struct(project.LoanBook, "RiskParams", **dict(reversed(list(RISK.items()))))
    assert encoded == tuple(RISK[name] for name in abi.struct_fields(project.LoanBook, "RiskParams"))


def test_struct__reordered_fields__values_follow_their_names():
    """The Solidity struct gets two fields swapped: the same named values land in the new places."""

    def swap(components):
        components[2], components[6] = components[6], components[2]

    edited = _book_abi_with(swap)
    before = abi.struct(project.LoanBook, "RiskParams", **RISK)
    after = abi.struct(edited, "RiskParams", **RISK)
    assert after != before
    assert after[2] == RISK["penaltyBps"] and after[6] == RISK["gracePeriod"]
    assert dict(zip(abi.struct_fields(edited, "RiskParams"), after, strict=True)) == RISK


def test_struct__inserted_field__refused_until_given():
    def insert(components):
        components.insert(3, {"name": "newLimitBps", "type": "uint256", "internalType": "uint256"})

    edited = _book_abi_with(insert)
    with pytest.raises(abi.AbiMismatch, match=r"missing \['newLimitBps'\]"):
        abi.struct(edited, "RiskParams", **RISK)
    assert abi.struct(edited, "RiskParams", **RISK, newLimitBps=7)[3] == 7


def test_struct__unknown_or_missing_field__refused():
    with pytest.raises(abi.AbiMismatch, match=r"unknown \['graceperiod'\]"):
        abi.struct(project.LoanBook, "RiskParams", **{**RISK, "graceperiod": 1})
    partial = dict(RISK)
    del partial["curePeriod"]
    with pytest.raises(abi.AbiMismatch, match=r"missing \['curePeriod'\]"):
        abi.struct(project.LoanBook, "RiskParams", **partial)


def test_struct__nested_struct__given_as_mapping():
    insurance = {"insurer": "0x" + "11" * 20, "policyHash": b"\x22" * 32, "coverageUsdai": 5, "policyExpiry": 9}
    encoded = abi.struct(
        project.CaliberReceipt,
        "MintParams",
        facilityId=b"\x01" * 32,
        assetClass="GPU",
        model="H100",
        quantity=8,
        serialsRoot=b"\x02" * 32,
        legalDocHash=b"\x03" * 32,
        insurance=insurance,
    )
    assert encoded[6] == tuple(insurance.values())
    with pytest.raises(abi.AbiMismatch, match="given by field name"):
        abi.struct(project.CaliberReceipt, "MintParams", **{
            "facilityId": b"", "assetClass": "", "model": "", "quantity": 0, "serialsRoot": b"",
            "legalDocHash": b"", "insurance": tuple(insurance.values()),
        })


def test_init_args__by_name__trailing_underscores_ignored():
    args = abi.init_args(project.CaliberReceipt, admin="0x" + "aa" * 20, maxAppraisalAge=7)
    assert args == ["0x" + "aa" * 20, 7]
    with pytest.raises(abi.AbiMismatch, match=r"missing \['maxAppraisalAge'\]"):
        abi.init_args(project.CaliberReceipt, admin="0x" + "aa" * 20)


def test_init_args__vault_stub_and_module__same_types():
    """deploy_vault names the vault's initializer arguments from its module (the stub is unnamed)."""
    vault = abi.function_abi(project.StakedUSDai, "initialize")["inputs"]
    module = abi.function_abi(project.StakedUSDaiModule, "initialize")["inputs"]
    assert [p["type"] for p in vault] == [p["type"] for p in module]
    assert all(p["name"] for p in module)


def test_enum_value__from_source__matches_contract_behaviour():
    assert abi.enum_members("IQEVAuction", "BidStatus") == ("None", "Sealed", "Revealed", "Swept")
    assert abi.enum_value(project.QEVAuction, "BidStatus", "Revealed") == 2
    assert abi.enum_name(project.LoanBook, "LoanStatus", 3) == "Defaulted"
    with pytest.raises(abi.AbiMismatch, match="no member Open"):
        abi.enum_value(project.QEVAuction, "BidStatus", "Open")


def test_enums__every_enum_in_every_abi_resolves():
    import re

    for name in ("USDai", "StakedUSDai", "RedemptionTicket", "QEVAuction", "CaliberReceipt", "FiLoRegistry",
                 "CreditPolicy", "LoanBook"):
        text = str([e.model_dump(mode="json") for e in getattr(project, name).contract_type.abi])
        for scope, enum in set(re.findall(r"enum (\w+)\.(\w+)", text)):
            assert abi.enum_members(scope, enum), (name, scope, enum)


def test_event_signature__from_abi__matches_ape():
    for container, name in [(project.StakedUSDai, "Deposit"), (project.LoanBook, "RiskParamsUpdated"),
                            (project.QEVAuction, "BidPlaced")]:
        assert abi.event_signature(container, name) == getattr(container, name).abi.selector
        assert abi.event_topic(container, name) == "0x" + keccak(text=abi.event_signature(container, name)).hex()


def test_terms_fields__match_the_policy_typehash(deployer):
    """The EIP-712 type a borrower's wallet shows is the struct the contract hashes."""
    policy = project.CreditPolicy.deploy(sender=deployer)  # an implementation: the constant is in code
    fields = ",".join(f"{kind} {name}" for name, kind in terms_fields())
    assert keccak(text=f"LoanTerms({fields})") == policy.LOAN_TERMS_TYPEHASH()
