"""Rule audiences through Python against the same conditions computed with pandas on
simulated customers: event windows with filters, aggregates, profile fields, typed attributes,
segments, references; errors naming the node."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import kehu
from kehu.segment import Audience

RULES = {
    "books_twice_90d": {"events": {"within_days": 90, "where": [{"property": "category", "op": "=", "value": "books"}], "op": ">=", "value": 2}},
    "web_spend_100": {"events": {"aggregate": "sum", "of": "amount", "where": [{"property": "channel", "op": "in", "value": ["web", "app"]}], "op": ">", "value": 100}},
    "three_categories": {"events": {"aggregate": "distinct", "of": "category", "op": ">=", "value": 3}},
    "big_basket": {"events": {"aggregate": "max", "of": "quantity", "op": ">=", "value": 3}},
    "loyal_adults": {"and": [{"attribute": "loyalty_member", "op": "=", "value": True}, {"attribute": "age", "op": "between", "value": [30, 50]}]},
    "recent_signups": {"attribute": "signup_date", "op": ">=", "value": "2024-01-01"},
    "spent_300": {"field": "total_spend", "op": ">=", "value": 300},
    "north_or_south_not_hibernating": {"and": [
        {"attribute": "region", "op": "in", "value": ["north", "south"]},
        {"not": {"segment": "rfm", "op": "=", "value": "Hibernating"}},
    ]},
    "target": {"and": [{"audience": "spent_300"}, {"not": {"audience": "loyal_adults"}}]},
}


@pytest.fixture(scope="module")
def sim():
    return kehu.simulate(customers=1500, seed=8, dirty_rate=0.0, return_rate=0.0)


def test_audiences_equal_pandas(sim) -> None:
    tx, cust, end = sim.transactions, sim.customers, sim.observation_end
    prof = kehu.profile(tx, "customer_id", "timestamp", "amount", observation_end=end)
    rfm = pd.Series(np.where(prof["frequency"] == 0, "Hibernating", "Active"), index=prof.index)
    audience = Audience(RULES)
    assert audience.names == list(RULES)
    customers = cust.assign(signup_date=pd.to_datetime(cust["signup_date"]))
    got = audience.evaluate(tx, "customer_id", "timestamp", "amount", as_of=end, quantity_col="quantity",
                            category_col="category", channel_col="channel", customers=customers, segments={"rfm": rfm})
    assert list(got.index) == cust["customer_id"].tolist()  # every customer, table order
    t = tx.assign(ts=pd.to_datetime(tx["timestamp"]))
    t = t[t["ts"] <= pd.Timestamp(end)]
    ids = got.index
    window = t[(t["ts"] > pd.Timestamp(end) - pd.Timedelta(days=90)) & (t["category"] == "books")]
    exp = {
        "books_twice_90d": window.groupby("customer_id").size().reindex(ids, fill_value=0) >= 2,
        "web_spend_100": t[t["channel"].isin(["web", "app"])].groupby("customer_id")["amount"].sum().reindex(ids, fill_value=0) > 100,
        "three_categories": t.groupby("customer_id")["category"].nunique().reindex(ids, fill_value=0) >= 3,
        "big_basket": (t.groupby("customer_id")["quantity"].max().reindex(ids) >= 3).fillna(False),
    }
    c = customers.set_index("customer_id").reindex(ids)
    exp["loyal_adults"] = c["loyalty_member"].astype(bool) & c["age"].between(30, 50)
    exp["recent_signups"] = c["signup_date"] >= pd.Timestamp("2024-01-01")
    exp["spent_300"] = (prof["total_spend"].reindex(ids) >= 300).fillna(False)
    seg = rfm.reindex(ids)
    exp["north_or_south_not_hibernating"] = c["region"].isin(["north", "south"]) & ~(seg == "Hibernating")
    exp["target"] = exp["spent_300"] & ~exp["loyal_adults"]
    for name, e in exp.items():
        np.testing.assert_array_equal(got[name].to_numpy(), e.to_numpy(dtype=bool), err_msg=name)
        assert 0 < got[name].sum() < len(got), name  # each rule separates customers
    assert got.attrs["validation"].accepted == len(tx)


def test_audience_errors_name_the_node(sim) -> None:
    with pytest.raises(kehu.SegmentError, match=r"audience 'x', rule.and\[1\]: unknown operator; use ="):
        Audience({"x": {"and": [{"field": "orders", "op": ">", "value": 1}, {"field": "orders", "op": "=>", "value": 1}]}})
    with pytest.raises(kehu.SegmentError, match="refers to itself"):
        Audience({"a": {"audience": "b"}, "b": {"audience": "a"}})
    a = Audience({"x": {"attribute": "income", "op": ">", "value": 1}})
    with pytest.raises(kehu.SegmentError, match="unknown attribute 'income'"):
        a.evaluate(as_of=sim.observation_end, customers=sim.customers)
    b = Audience({"x": {"attribute": "region", "op": ">", "value": 1}})
    with pytest.raises(kehu.SegmentError, match="audience 'x', rule: a text compares with texts"):
        b.evaluate(as_of=sim.observation_end, customers=sim.customers)
    assert Audience(a.to_json()).names == ["x"]


def test_date_attributes_keep_the_utc_day_as_every_binding_does() -> None:
    # 01:00 at +08:00 on 1 January is 17:00 UTC on 31 December: the date is the UTC day, for
    # zoned columns, zoned and naive objects, numpy times and dates alike (Node and mobile too).
    import datetime as dt

    zoned = pd.Series(pd.to_datetime(["2024-01-01T01:00+08:00", "2024-01-02T12:00+08:00", None]))
    customers = pd.DataFrame({"customer_id": ["a", "b", "c"], "joined": zoned})
    rule = Audience({"new": {"attribute": "joined", "op": ">=", "value": "2024-01-01"}})
    got = rule.evaluate(as_of="2024-02-01", customers=customers)
    assert got["new"].to_dict() == {"a": False, "b": True, "c": False}
    tz = dt.timezone(dt.timedelta(hours=8))
    for late_dec in [
        dt.datetime(2024, 1, 1, 1, 0, tzinfo=tz),
        dt.datetime(2023, 12, 31, 17, 0),
        np.datetime64("2023-12-31T23:59:59.999999"),
        dt.date(2023, 12, 31),
    ]:
        objects = pd.DataFrame({"customer_id": ["a", "b"], "joined": pd.Series([late_dec, dt.date(2024, 1, 1)], dtype=object)})
        got = rule.evaluate(as_of="2024-02-01", customers=objects)
        assert got["new"].to_dict() == {"a": False, "b": True}, late_dec
