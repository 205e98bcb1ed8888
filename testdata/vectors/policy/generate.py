#!/usr/bin/env python3
"""Writes the policy decision vectors (*.json beside this file).

Every expectation below is written by hand from the rules in docs/policy-semantics.md;
nothing here calls or imitates the engine. The script only removes boilerplate (ids,
defaults) and computes a few facts independently (base58 validity, wei for a USD value).
Run it after editing a case: python3 testdata/vectors/policy/generate.py
"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))

W = "01900000-0000-7000-8000-000000000001"
W2 = "01900000-0000-7000-8000-000000000002"
NOW = 1767268800  # 2026-01-01T12:00:00Z, a Thursday (day 4)
ETH = "ethereum-mainnet"
BASE = "base-mainnet"
SOL = "solana-mainnet"

# EVM addresses (EIP-55 forms from the EIP's test list).
A1 = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
A2 = "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"
A3 = "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB"
A4 = "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb"
USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"
USDC_ID = "eip155:1/erc20:0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48"
DAI = "0x6B175474E89094C44Da98b954EedeAC495271d0F"
# Solana addresses.
S1 = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"  # USDC mint
S2 = "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA"
S3 = "ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL"
S4 = "So11111111111111111111111111111111111111112"
SOL_USDC_ID = "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp/token:" + S1

B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def b58_is_32_bytes(s):
    n = 0
    for c in s:
        if c not in B58:
            return False
        n = n * 58 + B58.index(c)
    zeros = len(s) - len(s.lstrip("1"))
    body = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    return zeros + len(body) == 32


ETH_USD = "2000"
WEI = 10**18


def wei_for_usd(usd_cents):
    """Wei worth exactly usd_cents/100 USD at 2000 USD/ETH."""
    return usd_cents * WEI // 100 // 2000


FILES = {}
_ids = {}


def pid(n):
    return "01900000-0000-7000-8000-%012d" % (100 + n)


def pol(type_, rules, wallet=W, network=None, priority=0, enabled=True):
    return {"walletId": wallet, "network": network, "type": type_, "rules": rules,
            "priority": priority, "enabled": enabled}


def req(type_, network=ETH, **fields):
    r = {"network": network, "type": type_}
    r.update(fields)
    return r


def transfer(to=A2, amount="1", network=ETH, **kw):
    return req("TRANSFER", network=network, to=to, amount=str(amount), **kw)


def exp(allowed=True, tier="INSTANT", reasons=(), warnings=(), delay=None, approval=None, timeout=None):
    if not allowed:
        tier = "APPROVAL"
    if tier == "DELAY" and delay is None:
        delay = 900
    return {"allowed": allowed, "tier": tier, "reasons": sorted(reasons),
            "warnings": sorted(warnings), "delaySeconds": delay,
            "approvalReason": approval, "approvalTimeout": timeout}


def deny(*reasons, warnings=()):
    return exp(False, reasons=reasons, warnings=warnings)


def add(file, name, policies, request, expect, ledger=None, prices=None, now=NOW):
    c = {"name": name, "now": now, "policies": policies, "request": request}
    if ledger:
        c["ledger"] = ledger
    if prices is not None:
        c["prices"] = prices
    c["expect"] = expect
    FILES.setdefault(file, []).append(c)


def prices(quotes, max_age=300):
    return {"maxAgeSeconds": max_age, "quotes": quotes}


def q(usd, age=10):
    return {"usd": usd, "source": "vector", "ageSeconds": age}


ETHP = prices({"native:" + ETH: q(ETH_USD)})
NATIVE_LADDER = {"instant_max": "1000", "notify_max": "2000", "delay_max": "3000"}
SL = lambda **r: pol("SPENDING_LIMIT", r)  # noqa: E731


def ledger_entry(age, usd=None, assets=None, status="COMMITTED", category=None, category_usd=None, erc8128=False):
    e = {"ageSeconds": age, "status": status}
    if usd is not None:
        e["usd"] = usd
    if assets:
        e["assets"] = assets
    if category:
        e["category"] = category
        e["categoryUsd"] = category_usd
    if erc8128:
        e["erc8128"] = True
    return e


# ---------------------------------------------------------------- resolution
F = "resolution"
add(F, "zero policies deny everything", [], transfer(), deny("NO_POLICY"))
add(F, "zero policies deny even a signature request", [],
    req("SIGN_MESSAGE", permissions=["SIGN_MESSAGE"]), deny("NO_POLICY"))
add(F, "another wallet's policy does not apply", [pol("SPENDING_LIMIT", NATIVE_LADDER, wallet=W2)],
    transfer(amount=1), deny("NO_POLICY"))
add(F, "a disabled policy is absent", [pol("SPENDING_LIMIT", NATIVE_LADDER, enabled=False)],
    transfer(amount=1), deny("NO_POLICY"))
add(F, "a policy for another network does not apply", [pol("SPENDING_LIMIT", NATIVE_LADDER, network=BASE)],
    transfer(amount=1), deny("NO_POLICY"))
add(F, "a global policy applies to every wallet", [pol("SPENDING_LIMIT", NATIVE_LADDER, wallet=None)],
    transfer(amount=1500), exp(tier="NOTIFY"))
add(F, "wallet beats global", [
    pol("SPENDING_LIMIT", {"instant_max": "5000"}, wallet=None, priority=100),
    pol("SPENDING_LIMIT", {"instant_max": "100"}, wallet=W)],
    transfer(amount=1000), exp(tier="APPROVAL", approval="per_tx"))
add(F, "global+network beats global", [
    pol("SPENDING_LIMIT", {"instant_max": "5000"}, wallet=None, priority=100),
    pol("SPENDING_LIMIT", {"instant_max": "100"}, wallet=None, network=ETH)],
    transfer(amount=1000), exp(tier="APPROVAL", approval="per_tx"))
add(F, "wallet beats global+network", [
    pol("SPENDING_LIMIT", {"instant_max": "100"}, wallet=None, network=ETH, priority=100),
    pol("SPENDING_LIMIT", {"instant_max": "5000"}, wallet=W)],
    transfer(amount=1000), exp())
add(F, "wallet+network beats wallet", [
    pol("SPENDING_LIMIT", {"instant_max": "5000"}, wallet=W, priority=100),
    pol("SPENDING_LIMIT", {"instant_max": "100"}, wallet=W, network=ETH)],
    transfer(amount=1000), exp(tier="APPROVAL", approval="per_tx"))
add(F, "all four levels: wallet+network wins", [
    pol("SPENDING_LIMIT", {"instant_max": "1"}, wallet=None),
    pol("SPENDING_LIMIT", {"instant_max": "2"}, wallet=None, network=ETH),
    pol("SPENDING_LIMIT", {"instant_max": "3"}, wallet=W),
    pol("SPENDING_LIMIT", {"instant_max": "5000", "notify_max": "6000"}, wallet=W, network=ETH)],
    transfer(amount=5500), exp(tier="NOTIFY"))
add(F, "within a level the highest priority wins", [
    pol("SPENDING_LIMIT", {"instant_max": "5000"}, priority=1),
    pol("SPENDING_LIMIT", {"instant_max": "100"}, priority=7)],
    transfer(amount=1000), exp(tier="APPROVAL", approval="per_tx"))
add(F, "a disabled higher-priority policy loses to an enabled one", [
    pol("SPENDING_LIMIT", {"instant_max": "100"}, priority=9, enabled=False),
    pol("SPENDING_LIMIT", {"instant_max": "5000"}, priority=1)],
    transfer(amount=1000), exp())
add(F, "equal level and priority: the first listed (oldest id) wins", [
    pol("SPENDING_LIMIT", {"instant_max": "100"}),
    pol("SPENDING_LIMIT", {"instant_max": "5000"})],
    transfer(amount=1000), exp(tier="APPROVAL", approval="per_tx"))
add(F, "one policy per type: a losing whitelist does not widen the winner", [
    SL(**NATIVE_LADDER),
    pol("WHITELIST", {"allowed_addresses": [A2]}, wallet=None),
    pol("WHITELIST", {"allowed_addresses": [A3]}, wallet=W)],
    transfer(to=A2, amount=1), deny("WHITELIST_DENIED"))
add(F, "policies of different types all apply", [
    SL(**NATIVE_LADDER), pol("WHITELIST", {"allowed_addresses": [A2]}, wallet=None)],
    transfer(to=A3, amount=1), deny("WHITELIST_DENIED"))

# ---------------------------------------------------------------- native ladder
F = "spending_native"
for amt, tier in [(999, "INSTANT"), (1000, "INSTANT"), (1001, "NOTIFY"), (1999, "NOTIFY"), (2000, "NOTIFY"),
                  (2001, "DELAY"), (2999, "DELAY"), (3000, "DELAY"), (3001, "APPROVAL")]:
    add(F, "native ladder %s wei is %s" % (amt, tier), [SL(**NATIVE_LADDER)], transfer(amount=amt),
        exp(tier=tier, approval="per_tx" if tier == "APPROVAL" else None))
add(F, "zero amount is instant", [SL(**NATIVE_LADDER)], transfer(amount=0), exp())
add(F, "amount far above u128 goes to approval, not an error", [SL(**NATIVE_LADDER)],
    transfer(amount=2**200), exp(tier="APPROVAL", approval="per_tx"))
add(F, "only instant rung: above it is approval", [SL(instant_max="10")], transfer(amount=11),
    exp(tier="APPROVAL", approval="per_tx"))
add(F, "only delay rung: within it is delay", [SL(delay_max="10")], transfer(amount=10), exp(tier="DELAY"))
add(F, "custom delay_seconds is reported", [SL(instant_max="1", delay_max="100", delay_seconds=3600)],
    transfer(amount=50), exp(tier="DELAY", delay=3600))
add(F, "approval_timeout is reported at approval", [SL(instant_max="1", approval_timeout=7200)],
    transfer(amount=50), exp(tier="APPROVAL", approval="per_tx", timeout=7200))
add(F, "approval_timeout is not reported below approval", [SL(instant_max="100", approval_timeout=7200)],
    transfer(amount=50), exp())
add(F, "native transfer without SPENDING_LIMIT is denied", [pol("WHITELIST", {"allowed_addresses": [A2]})],
    transfer(amount=1), deny("NO_POLICY"))
add(F, "solana lamport ladder boundary", [SL(instant_max="1000000000", notify_max="5000000000")],
    transfer(to=S1, amount=1000000000, network=SOL), exp())
add(F, "solana lamport ladder boundary plus one", [SL(instant_max="1000000000", notify_max="5000000000")],
    transfer(to=S1, amount=1000000001, network=SOL), exp(tier="NOTIFY"))
NATIVE_ETH = "native:" + ETH
add(F, "in-flight reservation raises the native ladder (900 + 200 > 1000)", [SL(**NATIVE_LADDER)], transfer(amount=200),
    exp(tier="NOTIFY"), ledger=[ledger_entry(30, assets={NATIVE_ETH: "900"}, status="RESERVED")])
add(F, "in-flight plus request exactly at the rung is inclusive", [SL(**NATIVE_LADDER)], transfer(amount=200),
    exp(), ledger=[ledger_entry(30, assets={NATIVE_ETH: "800"}, status="RESERVED")])
add(F, "committed amounts do not count for the per-tx ladder", [SL(**NATIVE_LADDER)], transfer(amount=200),
    exp(), ledger=[ledger_entry(30, assets={NATIVE_ETH: "900"}, status="COMMITTED")])
add(F, "released amounts do not count for the per-tx ladder", [SL(**NATIVE_LADDER)], transfer(amount=200),
    exp(), ledger=[ledger_entry(30, assets={NATIVE_ETH: "900"}, status="RELEASED")])
add(F, "an old in-flight reservation still counts (in flight has no window)", [SL(**NATIVE_LADDER)],
    transfer(amount=200), exp(tier="NOTIFY"),
    ledger=[ledger_entry(40 * 86400, assets={NATIVE_ETH: "900"}, status="RESERVED")])
add(F, "in-flight amounts of another asset do not count", [SL(**NATIVE_LADDER)], transfer(amount=200),
    exp(), ledger=[ledger_entry(30, assets={"native:" + BASE: "900"}, status="RESERVED")])
add(F, "several in-flight reservations add up", [SL(**NATIVE_LADDER)], transfer(amount=1),
    exp(tier="DELAY"), ledger=[ledger_entry(30, assets={NATIVE_ETH: "1000"}, status="RESERVED"),
                               ledger_entry(40, assets={NATIVE_ETH: "1000"}, status="RESERVED")])
add(F, "camelCase rule names are accepted", [pol("SPENDING_LIMIT", {"instantMax": "1000", "notifyMax": "2000"})],
    transfer(amount=1500), exp(tier="NOTIFY"))

# ---------------------------------------------------------------- USD ladder and caps
F = "spending_usd"
USD_LADDER = {"instant_max_usd": "10", "notify_max_usd": "100", "delay_max_usd": "1000"}
for cents, tier in [(1000, "INSTANT"), (10000, "NOTIFY"), (100000, "DELAY")]:
    w = wei_for_usd(cents)
    add(F, "usd ladder exactly %s USD is %s" % (cents // 100, tier), [SL(**USD_LADDER)], transfer(amount=w),
        exp(tier=tier), prices=ETHP)
    add(F, "usd ladder %s USD minus one wei is %s" % (cents // 100, tier), [SL(**USD_LADDER)],
        transfer(amount=w - 1), exp(tier=tier), prices=ETHP)
    nxt = {"INSTANT": "NOTIFY", "NOTIFY": "DELAY", "DELAY": "APPROVAL"}[tier]
    add(F, "usd ladder %s USD plus one wei is %s" % (cents // 100, nxt), [SL(**USD_LADDER)],
        transfer(amount=w + 1), exp(tier=nxt, approval="per_tx" if nxt == "APPROVAL" else None), prices=ETHP)
add(F, "no price: approval with unknown_price", [SL(**USD_LADDER)], transfer(amount=1),
    exp(tier="APPROVAL", approval="unknown_price", warnings=["PRICE_UNAVAILABLE"]), prices=prices({}))
add(F, "stale price (older than max age): approval", [SL(**USD_LADDER)], transfer(amount=1),
    exp(tier="APPROVAL", approval="unknown_price", warnings=["PRICE_UNAVAILABLE"]),
    prices=prices({"native:" + ETH: q(ETH_USD, age=301)}))
add(F, "price exactly max age old is fresh", [SL(**USD_LADDER)], transfer(amount=1),
    exp(), prices=prices({"native:" + ETH: q(ETH_USD, age=300)}))
add(F, "a zero price is unusable (broken feed): approval", [SL(**USD_LADDER)], transfer(amount=10**24),
    exp(tier="APPROVAL", approval="unknown_price", warnings=["PRICE_UNAVAILABLE"]),
    prices=prices({"native:" + ETH: q("0")}))
add(F, "a quote from the future beyond max age is stale", [SL(**USD_LADDER)], transfer(amount=1),
    exp(tier="APPROVAL", approval="unknown_price", warnings=["PRICE_UNAVAILABLE"]),
    prices=prices({"native:" + ETH: q(ETH_USD, age=-301)}))
add(F, "price of another network does not count", [SL(**USD_LADDER)], transfer(amount=1),
    exp(tier="APPROVAL", approval="unknown_price", warnings=["PRICE_UNAVAILABLE"]),
    prices=prices({"native:" + BASE: q(ETH_USD)}))
add(F, "unknown price overrides a lower native tier", [SL(instant_max="100", **USD_LADDER)], transfer(amount=1),
    exp(tier="APPROVAL", approval="unknown_price", warnings=["PRICE_UNAVAILABLE"]), prices=prices({}))
add(F, "tier is the max of native and usd ladders (native higher)",
    [SL(instant_max="1", notify_max="2", delay_max=str(10**18), **USD_LADDER)], transfer(amount=wei_for_usd(500)),
    exp(tier="DELAY"), prices=ETHP)
add(F, "tier is the max of native and usd ladders (usd higher)",
    [SL(instant_max=str(10**18), **USD_LADDER)], transfer(amount=wei_for_usd(5000)),
    exp(tier="NOTIFY"), prices=ETHP)
DAILY = dict(USD_LADDER, daily_limit_usd="100")
add(F, "daily cap: 60 spent + 40 = 100 is within (inclusive) with 80% warning", [SL(**DAILY)],
    transfer(amount=wei_for_usd(4000)), exp(tier="NOTIFY", warnings=["DAILY_LIMIT_WARNING"]),
    ledger=[ledger_entry(3600, usd="60")], prices=ETHP)
add(F, "daily cap: 60 spent + 40.01 exceeds: approval cumulative_daily", [SL(**DAILY)],
    transfer(amount=wei_for_usd(4001)),
    exp(tier="APPROVAL", approval="cumulative_daily", warnings=["DAILY_LIMIT_EXCEEDED"]),
    ledger=[ledger_entry(3600, usd="60")], prices=ETHP)
add(F, "daily cap: in-flight reservations count", [SL(**DAILY)], transfer(amount=wei_for_usd(2000)),
    exp(tier="APPROVAL", approval="cumulative_daily", warnings=["DAILY_LIMIT_EXCEEDED"]),
    ledger=[ledger_entry(60, usd="50", status="RESERVED"), ledger_entry(120, usd="40", status="RESERVED")],
    prices=ETHP)
add(F, "daily cap: released reservations do not count", [SL(**DAILY)], transfer(amount=wei_for_usd(2000)),
    exp(tier="NOTIFY"),
    ledger=[ledger_entry(60, usd="50", status="RELEASED"), ledger_entry(120, usd="40", status="RELEASED")],
    prices=ETHP)
add(F, "daily cap: an entry 86399 s old still counts", [SL(**DAILY)], transfer(amount=wei_for_usd(2000)),
    exp(tier="APPROVAL", approval="cumulative_daily", warnings=["DAILY_LIMIT_EXCEEDED"]),
    ledger=[ledger_entry(86399, usd="90")], prices=ETHP)
add(F, "daily cap: an entry 86400 s old has left the window", [SL(**DAILY)], transfer(amount=wei_for_usd(2000)),
    exp(tier="NOTIFY"), ledger=[ledger_entry(86400, usd="90")], prices=ETHP)
add(F, "daily cap: 79.99% gives no warning", [SL(daily_limit_usd="100")], transfer(amount=wei_for_usd(7999)),
    exp(), prices=ETHP)
add(F, "daily cap: exactly 80% warns", [SL(daily_limit_usd="100")], transfer(amount=wei_for_usd(8000)),
    exp(warnings=["DAILY_LIMIT_WARNING"]), prices=ETHP)
add(F, "monthly cap exceeded: approval cumulative_monthly", [SL(monthly_limit_usd="1000")],
    transfer(amount=wei_for_usd(10000)),
    exp(tier="APPROVAL", approval="cumulative_monthly", warnings=["MONTHLY_LIMIT_EXCEEDED"]),
    ledger=[ledger_entry(86400 * 20, usd="950")], prices=ETHP)
add(F, "monthly cap: entry 2592000 s old has left", [SL(monthly_limit_usd="1000")],
    transfer(amount=wei_for_usd(10000)), exp(), ledger=[ledger_entry(2592000, usd="950")], prices=ETHP)
add(F, "daily and monthly both exceeded: reason is cumulative_daily", [SL(daily_limit_usd="100", monthly_limit_usd="150")],
    transfer(amount=wei_for_usd(6000)),
    exp(tier="APPROVAL", approval="cumulative_daily", warnings=["DAILY_LIMIT_EXCEEDED", "MONTHLY_LIMIT_EXCEEDED"]),
    ledger=[ledger_entry(100, usd="100")], prices=ETHP)
add(F, "per_tx beats cumulative_daily as the approval reason", [SL(instant_max_usd="10", daily_limit_usd="20")],
    transfer(amount=wei_for_usd(5000)),
    exp(tier="APPROVAL", approval="per_tx", warnings=["DAILY_LIMIT_EXCEEDED"]), prices=ETHP)
add(F, "in-flight USD raises the USD ladder (5 + 6 > 10)", [SL(**USD_LADDER)], transfer(amount=wei_for_usd(600)),
    exp(tier="NOTIFY"), ledger=[ledger_entry(30, usd="5", status="RESERVED")], prices=ETHP)
add(F, "committed USD does not count for the USD ladder", [SL(**USD_LADDER)], transfer(amount=wei_for_usd(600)),
    exp(), ledger=[ledger_entry(30, usd="5", status="COMMITTED")], prices=ETHP)
add(F, "usd decimals in rules as JSON numbers are exact", [SL(instant_max_usd=10.5)],
    transfer(amount=wei_for_usd(1050)), exp(), prices=ETHP)
add(F, "usd decimals in rules as JSON numbers: one wei above", [SL(instant_max_usd=10.5)],
    transfer(amount=wei_for_usd(1050) + 1), exp(tier="APPROVAL", approval="per_tx"), prices=ETHP)

# ---------------------------------------------------------------- tokens
F = "tokens"
TOK = {"address": USDC, "decimals": 6, "symbol": "USDC"}
ALLOW_USDC = pol("ALLOWED_TOKENS", {"tokens": [{"address": USDC, "symbol": "USDC", "decimals": 6}]})
TL = lambda ladder, key=USDC_ID: SL(token_limits={key: ladder})  # noqa: E731


def tt(amount, token=TOK, to=A2, network=ETH):
    return req("TOKEN_TRANSFER", network=network, to=to, amount=str(amount), token=token)


LAD = {"instant_max": "100.5", "notify_max": "1000", "delay_max": "5000"}
for amt, tier in [(100_499_999, "INSTANT"), (100_500_000, "INSTANT"), (100_500_001, "NOTIFY"),
                  (1_000_000_000, "NOTIFY"), (1_000_000_001, "DELAY"), (5_000_000_000, "DELAY"),
                  (5_000_000_001, "APPROVAL")]:
    add(F, "token_limits 100.5 USDC ladder at %s base units is %s" % (amt, tier), [ALLOW_USDC, TL(LAD)], tt(amt),
        exp(tier=tier, approval="per_tx" if tier == "APPROVAL" else None))
add(F, "in-flight token amount raises the token ladder (100 + 1 > 100.5)", [ALLOW_USDC, TL(LAD)], tt(1_000_000),
    exp(tier="NOTIFY"), ledger=[ledger_entry(30, assets={USDC_ID: "100000000"}, status="RESERVED")])
# A token outside ALLOWED_TOKENS has no trusted decimals either, so no human-unit limit
# can cover it.
add(F, "token not in ALLOWED_TOKENS", [pol("ALLOWED_TOKENS", {"tokens": [{"address": DAI, "decimals": 18}]}),
                                       TL(LAD)], tt(1),
    deny("TOKEN_NOT_ALLOWED", "SPENDING_LIMIT_NOT_COVERED"))
add(F, "no ALLOWED_TOKENS policy denies token transfers", [TL(LAD)], tt(1),
    deny("TOKEN_NOT_ALLOWED", "SPENDING_LIMIT_NOT_COVERED"))
add(F, "allowed token without a covering limit is denied", [ALLOW_USDC, SL(instant_max="1000")], tt(1),
    deny("SPENDING_LIMIT_NOT_COVERED"))
add(F, "allowed token without any SPENDING_LIMIT", [ALLOW_USDC], tt(1), deny("NO_POLICY"))
add(F, "token covered by usd ladder", [ALLOW_USDC, SL(instant_max_usd="10", notify_max_usd="100")], tt(50_000_000),
    exp(tier="NOTIFY"), prices=prices({USDC_ID: q("1")}))
add(F, "token covered by usd ladder without price", [ALLOW_USDC, SL(instant_max_usd="10")], tt(1),
    exp(tier="APPROVAL", approval="unknown_price", warnings=["PRICE_UNAVAILABLE"]), prices=prices({}))
add(F, "ALLOWED_TOKENS entry by lowercase address matches", [
    pol("ALLOWED_TOKENS", {"tokens": [{"address": USDC.lower(), "decimals": 6}]}), TL(LAD)], tt(1), exp())
add(F, "ALLOWED_TOKENS entry by asset_id matches", [
    pol("ALLOWED_TOKENS", {"tokens": [{"address": USDC, "asset_id": USDC_ID, "decimals": 6}]}), TL(LAD)], tt(1),
    exp())
add(F, "ALLOWED_TOKENS asset_id of another chain does not match", [
    pol("ALLOWED_TOKENS", {"tokens": [{"address": USDC, "asset_id": "eip155:8453/erc20:" + USDC.lower(),
                                       "decimals": 6}]}),
    TL(LAD)], tt(1), deny("TOKEN_NOT_ALLOWED", "SPENDING_LIMIT_NOT_COVERED"))
add(F, "ALLOWED_TOKENS entry restricted to chain ethereum matches on an EVM network", [
    pol("ALLOWED_TOKENS", {"tokens": [{"address": USDC, "chain": "ethereum", "decimals": 6}]}), TL(LAD)],
    tt(1), exp())
add(F, "token_limits keyed by camelCase-wrapped rules", [ALLOW_USDC,
    pol("SPENDING_LIMIT", {"tokenLimits": {USDC_ID: {"instantMax": "1"}}})], tt(1_000_001),
    exp(tier="APPROVAL", approval="per_tx"))
add(F, "token_limits too many decimals for the token", [ALLOW_USDC, TL({"instant_max": "0.0000001"})], tt(1),
    deny("TOKEN_LIMIT_INVALID"))
add(F, "native token_limits key converts with 18 decimals", [SL(token_limits={"native": {"instant_max": "0.5"}})],
    transfer(amount=5 * 10**17), exp())
add(F, "native token_limits key: one wei above", [SL(token_limits={"native": {"instant_max": "0.5"}})],
    transfer(amount=5 * 10**17 + 1), exp(tier="APPROVAL", approval="per_tx"))
add(F, "native:<chain> beats native", [SL(token_limits={"native": {"instant_max": "100"},
                                                        "native:ethereum": {"instant_max": "0.5"}})],
    transfer(amount=10**18), exp(tier="APPROVAL", approval="per_tx"))
add(F, "native:<network> beats native:<chain>", [SL(token_limits={"native:ethereum-mainnet": {"instant_max": "2"},
                                                                  "native:ethereum": {"instant_max": "0.5"}})],
    transfer(amount=10**18), exp())
add(F, "native:<chain> of another chain does not cover", [SL(token_limits={"native:solana": {"instant_max": "2"}})],
    transfer(amount=1), deny("SPENDING_LIMIT_NOT_COVERED"))
add(F, "native:solana converts with 9 decimals", [SL(token_limits={"native:solana": {"instant_max": "1.5"}})],
    transfer(to=S1, amount=1_500_000_001, network=SOL), exp(tier="APPROVAL", approval="per_tx"))
add(F, "solana SPL token by mint", [pol("ALLOWED_TOKENS", {"tokens": [{"address": S1}]}),
                                    SL(token_limits={SOL_USDC_ID: {"instant_max": "10"}})],
    tt(10_000_000, token={"address": S1, "decimals": 6}, to=S2, network=SOL), exp())

# ---------------------------------------------------------------- addresses
F = "addresses"
WL = lambda *a: pol("WHITELIST", {"allowed_addresses": list(a)})  # noqa: E731
add(F, "EVM whitelist in checksum form matches a lowercase recipient", [SL(**NATIVE_LADDER), WL(A1)],
    transfer(to=A1.lower(), amount=1), exp())
add(F, "EVM whitelist in lowercase matches a checksum recipient", [SL(**NATIVE_LADDER), WL(A1.lower())],
    transfer(to=A1, amount=1), exp())
add(F, "EVM recipient in uppercase hex matches", [SL(**NATIVE_LADDER), WL(A1)],
    transfer(to="0x" + A1[2:].upper(), amount=1), exp())
add(F, "EVM recipient not in whitelist", [SL(**NATIVE_LADDER), WL(A1)], transfer(to=A3, amount=1),
    deny("WHITELIST_DENIED"))
add(F, "EVM recipient without 0x is malformed", [SL(**NATIVE_LADDER), WL(A1)],
    transfer(to=A1[2:], amount=1), deny("INVALID_ADDRESS"))
add(F, "EVM recipient with 0X prefix is malformed", [SL(**NATIVE_LADDER), WL(A1)],
    transfer(to="0X" + A1[2:], amount=1), deny("INVALID_ADDRESS"))
add(F, "EVM recipient with a leading space is malformed", [SL(**NATIVE_LADDER), WL(A1)],
    transfer(to=" " + A1, amount=1), deny("INVALID_ADDRESS"))
add(F, "EVM recipient with a trailing space is malformed", [SL(**NATIVE_LADDER)],
    transfer(to=A1 + " ", amount=1), deny("INVALID_ADDRESS"))
add(F, "EVM recipient with a zero-width space is malformed", [SL(**NATIVE_LADDER), WL(A1)],
    transfer(to=A1[:10] + "\u200b" + A1[10:], amount=1), deny("INVALID_ADDRESS"))
add(F, "EVM recipient one digit short is malformed", [SL(**NATIVE_LADDER)],
    transfer(to=A1[:-1], amount=1), deny("INVALID_ADDRESS"))
add(F, "Solana recipient must match exactly", [SL(**NATIVE_LADDER), WL(S1)],
    transfer(to=S1, amount=1, network=SOL), exp())
SWAP = S1[0].lower() + S1[1:]
assert SWAP != S1
add(F, "Solana recipient with changed case is another key or invalid", [SL(**NATIVE_LADDER), WL(S1)],
    transfer(to=SWAP, amount=1, network=SOL),
    deny("WHITELIST_DENIED" if b58_is_32_bytes(SWAP) else "INVALID_ADDRESS"))
add(F, "Solana recipient not in whitelist", [SL(**NATIVE_LADDER), WL(S1)],
    transfer(to=S2, amount=1, network=SOL), deny("WHITELIST_DENIED"))
add(F, "Solana recipient with a 0 (not base58) is malformed", [SL(**NATIVE_LADDER), WL(S1)],
    transfer(to=S1[:-1] + "0", amount=1, network=SOL), deny("INVALID_ADDRESS"))
add(F, "EVM address on a Solana network is malformed", [SL(**NATIVE_LADDER)],
    transfer(to=A1, amount=1, network=SOL), deny("INVALID_ADDRESS"))
add(F, "Solana address on an EVM network is malformed", [SL(**NATIVE_LADDER)],
    transfer(to=S1, amount=1, network=ETH), deny("INVALID_ADDRESS"))
add(F, "an EVM whitelist entry never matches on Solana", [SL(**NATIVE_LADDER), WL(A1)],
    transfer(to=S1, amount=1, network=SOL), deny("WHITELIST_DENIED"))

# ---------------------------------------------------------------- contracts
F = "contracts"
CW = lambda *a: pol("CONTRACT_WHITELIST", {"contracts": [{"address": x} for x in a]})  # noqa: E731
MW = lambda c, *s: pol("METHOD_WHITELIST", {"methods": [{"contract_address": c, "selectors": list(s)}]})  # noqa: E731


def call(contract=A4, selector="0xa9059cbb", value=None, network=ETH):
    r = req("CONTRACT_CALL", network=network, contract=contract)
    if selector is not None:
        r["selector"] = selector
    if value is not None:
        r["value"] = str(value)
    return r


add(F, "no CONTRACT_WHITELIST denies every call", [SL(**NATIVE_LADDER)], call(), deny("CONTRACT_NOT_WHITELISTED"))
add(F, "whitelisted contract is allowed", [CW(A4)], call(), exp())
add(F, "whitelisted contract matches by value", [CW(A4.lower())], call(contract=A4.upper().replace("0X", "0x")), exp())
add(F, "other contract is denied", [CW(A4)], call(contract=A3), deny("CONTRACT_NOT_WHITELISTED"))
add(F, "contract entry restricted to chain ethereum matches on an EVM network", [
    pol("CONTRACT_WHITELIST", {"contracts": [{"address": A4, "chain": "ethereum", "name": "router"}]})], call(), exp())
add(F, "method whitelist allows a listed selector", [CW(A4), MW(A4, "0xa9059cbb")], call(), exp())
add(F, "method whitelist compares selectors by value", [CW(A4), MW(A4, "0xA9059CBB")], call(selector="0xa9059cbb"), exp())
add(F, "method whitelist denies another selector", [CW(A4), MW(A4, "0xa9059cbb")], call(selector="0x095ea7b3"),
    deny("METHOD_NOT_WHITELISTED"))
add(F, "method whitelist denies a call without selector on a listed contract", [CW(A4), MW(A4, "0xa9059cbb")],
    call(selector=None), deny("METHOD_NOT_WHITELISTED"))
add(F, "method whitelist leaves unlisted contracts unrestricted", [CW(A4, A3), MW(A4, "0xa9059cbb")],
    call(contract=A3, selector="0x12345678"), exp())
add(F, "selector without 0x is malformed", [CW(A4)], call(selector="a9059cbb"), deny("INVALID_SELECTOR"))
add(F, "selector with a space is malformed", [CW(A4)], call(selector="0xa9059cbb "), deny("INVALID_SELECTOR"))
add(F, "selector with a zero-width character is malformed", [CW(A4)], call(selector="0xa905\u200b9cbb"),
    deny("INVALID_SELECTOR"))
add(F, "selector with an odd number of digits is malformed", [CW(A4)], call(selector="0xa9059cb"),
    deny("INVALID_SELECTOR"))
add(F, "call with value needs a SPENDING_LIMIT", [CW(A4)], call(value=5), deny("NO_POLICY"))
add(F, "call with value is tiered by the SPENDING_LIMIT", [CW(A4), SL(**NATIVE_LADDER)], call(value=2500),
    exp(tier="DELAY"))
add(F, "call with zero value needs no SPENDING_LIMIT", [CW(A4)], call(value=0), exp())
add(F, "malformed contract address", [CW(A4)], call(contract="0x1234"), deny("INVALID_ADDRESS"))

# ---------------------------------------------------------------- approvals
F = "approve"
SPEND = lambda *entries: pol("APPROVED_SPENDERS", {"spenders": list(entries)})  # noqa: E731


def approve(amount, spender=A3, network=ETH, token=None):
    return req("APPROVE", network=network, spender=spender, amount=str(amount),
               token=token or {"address": USDC, "decimals": 6})


H255 = 2**255
add(F, "approve without APPROVED_SPENDERS is denied", [SL(**NATIVE_LADDER)], approve(1),
    deny("SPENDER_NOT_APPROVED"))
add(F, "approve of a listed spender defaults to APPROVAL", [SPEND({"address": A3})], approve(1),
    exp(tier="APPROVAL", approval="approve"))
add(F, "APPROVE_TIER_OVERRIDE sets the approval tier", [SPEND({"address": A3}),
                                                          pol("APPROVE_TIER_OVERRIDE", {"tier": "NOTIFY"})],
    approve(1), exp(tier="NOTIFY"))
add(F, "approve of an unlisted spender", [SPEND({"address": A2})], approve(1), deny("SPENDER_NOT_APPROVED"))
add(F, "spender max_amount is inclusive", [SPEND({"address": A3, "max_amount": "1000"})], approve(1000),
    exp(tier="APPROVAL", approval="approve"))
add(F, "spender max_amount exceeded", [SPEND({"address": A3, "max_amount": "1000"})], approve(1001),
    deny("APPROVE_AMOUNT_EXCEEDED"))
add(F, "spender maxAmount camelCase is accepted", [SPEND({"address": A3, "maxAmount": "1000"})], approve(1001),
    deny("APPROVE_AMOUNT_EXCEEDED"))
add(F, "EVM unlimited approval (2^255) is blocked with no APPROVE_AMOUNT_LIMIT", [SPEND({"address": A3})],
    approve(H255), deny("UNLIMITED_APPROVE_BLOCKED"))
add(F, "EVM max uint256 approval is blocked", [SPEND({"address": A3})], approve(2**256 - 1),
    deny("UNLIMITED_APPROVE_BLOCKED"))
add(F, "EVM 2^255 - 1 is not unlimited", [SPEND({"address": A3})], approve(H255 - 1),
    exp(tier="APPROVAL", approval="approve"))
add(F, "block_unlimited false allows an unlimited approval", [
    SPEND({"address": A3}), pol("APPROVE_AMOUNT_LIMIT", {"block_unlimited": False})], approve(2**256 - 1),
    exp(tier="APPROVAL", approval="approve"))
add(F, "blockUnlimited camelCase is accepted", [
    SPEND({"address": A3}), pol("APPROVE_AMOUNT_LIMIT", {"blockUnlimited": False})], approve(2**256 - 1),
    exp(tier="APPROVAL", approval="approve"))
add(F, "APPROVE_AMOUNT_LIMIT max_amount exceeded", [
    SPEND({"address": A3}), pol("APPROVE_AMOUNT_LIMIT", {"max_amount": "500"})], approve(501),
    deny("APPROVE_AMOUNT_EXCEEDED"))
add(F, "APPROVE_AMOUNT_LIMIT max and unlimited both reported", [
    SPEND({"address": A3}), pol("APPROVE_AMOUNT_LIMIT", {"max_amount": "500"})], approve(2**256 - 1),
    deny("APPROVE_AMOUNT_EXCEEDED", "UNLIMITED_APPROVE_BLOCKED"))
SOLTOK = {"address": S1, "decimals": 6}
add(F, "SPL unlimited approval (2^63) is blocked", [SPEND({"address": S3})],
    approve(2**63, spender=S3, network=SOL, token=SOLTOK), deny("UNLIMITED_APPROVE_BLOCKED"))
add(F, "SPL u64 max approval is blocked", [SPEND({"address": S3})],
    approve(2**64 - 1, spender=S3, network=SOL, token=SOLTOK), deny("UNLIMITED_APPROVE_BLOCKED"))
add(F, "SPL 2^63 - 1 is not unlimited", [SPEND({"address": S3})],
    approve(2**63 - 1, spender=S3, network=SOL, token=SOLTOK), exp(tier="APPROVAL", approval="approve"))
add(F, "SPL approval above u64 is invalid and unlimited", [SPEND({"address": S3})],
    approve(2**64, spender=S3, network=SOL, token=SOLTOK), deny("INVALID_AMOUNT", "UNLIMITED_APPROVE_BLOCKED"))
add(F, "permit in typed data is judged as an approval", [SPEND({"address": A3})],
    req("SIGN_TYPED_DATA", permissions=["SIGN_TYPED_DATA"],
        legs=[{"type": "APPROVE", "spender": A2, "amount": "1", "token": {"address": USDC, "decimals": 6}}]),
    deny("SPENDER_NOT_APPROVED@0"))
add(F, "unlimited permit is blocked", [SPEND({"address": A3})],
    req("SIGN_TYPED_DATA", permissions=["SIGN_TYPED_DATA"],
        legs=[{"type": "APPROVE", "spender": A3, "amount": str(2**256 - 1),
               "token": {"address": USDC, "decimals": 6}}]),
    deny("UNLIMITED_APPROVE_BLOCKED@0"))
add(F, "typed data that grants nothing needs only the permission", [SPEND({"address": A3})],
    req("SIGN_TYPED_DATA", permissions=["SIGN_TYPED_DATA"]), exp())
add(F, "typed data without the permission is denied", [SPEND({"address": A3})],
    req("SIGN_TYPED_DATA", permissions=["TRANSACTION"]), deny("PERMISSION_DENIED"))

# ---------------------------------------------------------------- time
F = "time"
TR = lambda **r: pol("TIME_RESTRICTION", r)  # noqa: E731
H = 3600
DAY0 = 1767225600  # Thursday 2026-01-01 00:00 UTC
add(F, "inside UTC hours", [SL(**NATIVE_LADDER), TR(allowed_hours={"start": 9, "end": 17})], transfer(), exp(),
    now=DAY0 + 12 * H)
add(F, "start hour is inclusive", [SL(**NATIVE_LADDER), TR(allowed_hours={"start": 9, "end": 17})], transfer(),
    exp(), now=DAY0 + 9 * H)
add(F, "one second before start is outside", [SL(**NATIVE_LADDER), TR(allowed_hours={"start": 9, "end": 17})],
    transfer(), deny("OUTSIDE_ALLOWED_TIME"), now=DAY0 + 9 * H - 1)
add(F, "end hour is exclusive", [SL(**NATIVE_LADDER), TR(allowed_hours={"start": 9, "end": 17})], transfer(),
    deny("OUTSIDE_ALLOWED_TIME"), now=DAY0 + 17 * H)
add(F, "last second before end is inside", [SL(**NATIVE_LADDER), TR(allowed_hours={"start": 9, "end": 17})],
    transfer(), exp(), now=DAY0 + 17 * H - 1)
NIGHT = TR(allowed_hours={"start": 22, "end": 6})
add(F, "across midnight: 23:00 inside", [SL(**NATIVE_LADDER), NIGHT], transfer(), exp(), now=DAY0 + 23 * H)
add(F, "across midnight: 05:59 inside", [SL(**NATIVE_LADDER), NIGHT], transfer(), exp(), now=DAY0 + 6 * H - 60)
add(F, "across midnight: 06:00 outside", [SL(**NATIVE_LADDER), NIGHT], transfer(), deny("OUTSIDE_ALLOWED_TIME"),
    now=DAY0 + 6 * H)
add(F, "across midnight: 21:59 outside", [SL(**NATIVE_LADDER), NIGHT], transfer(), deny("OUTSIDE_ALLOWED_TIME"),
    now=DAY0 + 22 * H - 60)
add(F, "allowed days: Thursday (4) allowed", [SL(**NATIVE_LADDER), TR(allowed_days=[1, 2, 3, 4, 5])], transfer(),
    exp(), now=DAY0 + 12 * H)
add(F, "allowed days: Saturday denied", [SL(**NATIVE_LADDER), TR(allowed_days=[1, 2, 3, 4, 5])], transfer(),
    deny("OUTSIDE_ALLOWED_TIME"), now=DAY0 + 2 * 24 * H + 12 * H)
add(F, "New York: 09:00 local is 14:00 UTC in winter", [SL(**NATIVE_LADDER),
    TR(allowed_hours={"start": 9, "end": 17}, timezone="America/New_York")], transfer(), exp(), now=DAY0 + 14 * H)
add(F, "New York: 08:59 local is outside", [SL(**NATIVE_LADDER),
    TR(allowed_hours={"start": 9, "end": 17}, timezone="America/New_York")], transfer(),
    deny("OUTSIDE_ALLOWED_TIME"), now=DAY0 + 14 * H - 60)
add(F, "New York: 12:00 UTC is 07:00 local, outside", [SL(**NATIVE_LADDER),
    TR(allowed_hours={"start": 9, "end": 17}, timezone="America/New_York")], transfer(),
    deny("OUTSIDE_ALLOWED_TIME"), now=DAY0 + 12 * H)
add(F, "Tokyo: Thursday 20:00 UTC is Friday 05:00 local, Friday-only allows", [SL(**NATIVE_LADDER),
    TR(allowed_days=[5], timezone="Asia/Tokyo")], transfer(), exp(), now=DAY0 + 20 * H)
add(F, "Tokyo: Thursday 14:00 UTC is Thursday 23:00 local, Friday-only denies", [SL(**NATIVE_LADDER),
    TR(allowed_days=[5], timezone="Asia/Tokyo")], transfer(), deny("OUTSIDE_ALLOWED_TIME"), now=DAY0 + 14 * H)
add(F, "time restriction also applies to approvals", [pol("APPROVED_SPENDERS", {"spenders": [{"address": A3}]}),
    TR(allowed_hours={"start": 0, "end": 1})], approve(1), deny("OUTSIDE_ALLOWED_TIME"), now=DAY0 + 12 * H)

# ---------------------------------------------------------------- rate limits
F = "rate_limit"
RL = lambda n, w: pol("RATE_LIMIT", {"max_requests": n, "window_seconds": w})  # noqa: E731
add(F, "below the rate", [SL(**NATIVE_LADDER), RL(3, 60)], transfer(), exp(),
    ledger=[ledger_entry(10), ledger_entry(20)])
add(F, "at the rate: denied", [SL(**NATIVE_LADDER), RL(3, 60)], transfer(), deny("RATE_LIMIT_EXCEEDED"),
    ledger=[ledger_entry(10), ledger_entry(20), ledger_entry(30)])
add(F, "an entry 59 s old still counts", [SL(**NATIVE_LADDER), RL(1, 60)], transfer(), deny("RATE_LIMIT_EXCEEDED"),
    ledger=[ledger_entry(59)])
add(F, "an entry 60 s old has left the window", [SL(**NATIVE_LADDER), RL(1, 60)], transfer(), exp(),
    ledger=[ledger_entry(60)])
add(F, "released requests still count toward the rate", [SL(**NATIVE_LADDER), RL(2, 3600)], transfer(),
    deny("RATE_LIMIT_EXCEEDED"), ledger=[ledger_entry(10, status="RELEASED"), ledger_entry(20, status="RESERVED")])
add(F, "rate limit applies to signing too", [RL(1, 3600)],
    req("SIGN_MESSAGE", permissions=["SIGN_MESSAGE"]), deny("RATE_LIMIT_EXCEEDED"), ledger=[ledger_entry(5)])
add(F, "rate limit and whitelist both reported", [SL(**NATIVE_LADDER), RL(1, 3600), WL(A1)],
    transfer(to=A3), deny("RATE_LIMIT_EXCEEDED", "WHITELIST_DENIED"), ledger=[ledger_entry(5)])
add(F, "empty ledger is below any rate", [SL(**NATIVE_LADDER), RL(1, 1)], transfer(), exp())

# ---------------------------------------------------------------- domains (x402, ERC-8128)
F = "domains"
XD = lambda *d: pol("X402_ALLOWED_DOMAINS", {"domains": list(d)})  # noqa: E731


def x402(domain, amount=10, token=None):
    r = req("X402_PAYMENT", domain=domain, payTo=A2, amount=str(amount))
    if token:
        r["token"] = token
    return r


XSL = SL(**NATIVE_LADDER)
add(F, "x402 exact domain", [XSL, XD("api.example.com")], x402("api.example.com"), exp())
add(F, "x402 domain matches case-insensitively", [XSL, XD("api.example.com")], x402("API.Example.COM"), exp())
add(F, "x402 wildcard matches a subdomain", [XSL, XD("*.example.com")], x402("api.example.com"), exp())
add(F, "x402 wildcard matches a deeper subdomain", [XSL, XD("*.example.com")], x402("a.b.example.com"), exp())
add(F, "x402 wildcard does not match the bare domain", [XSL, XD("*.example.com")], x402("example.com"),
    deny("X402_DOMAIN_NOT_ALLOWED"))
add(F, "x402 wildcard respects the dot boundary", [XSL, XD("*.example.com")], x402("badexample.com"),
    deny("X402_DOMAIN_NOT_ALLOWED"))
add(F, "x402 exact does not match a subdomain", [XSL, XD("example.com")], x402("api.example.com"),
    deny("X402_DOMAIN_NOT_ALLOWED"))
add(F, "x402 suffix attack does not match", [XSL, XD("example.com")], x402("example.com.evil.io"),
    deny("X402_DOMAIN_NOT_ALLOWED"))
add(F, "x402 without X402_ALLOWED_DOMAINS", [XSL], x402("api.example.com"), deny("X402_DOMAIN_NOT_ALLOWED"))
add(F, "x402 domain with a port is malformed", [XSL, XD("api.example.com")], x402("api.example.com:443"),
    deny("INVALID_DOMAIN"))
add(F, "x402 domain with a trailing dot is malformed", [XSL, XD("api.example.com")], x402("api.example.com."),
    deny("INVALID_DOMAIN"))
add(F, "x402 payment needs a SPENDING_LIMIT", [XD("api.example.com")], x402("api.example.com"), deny("NO_POLICY"))
add(F, "x402 payment is tiered like a transfer", [XSL, XD("api.example.com")], x402("api.example.com", amount=2500),
    exp(tier="DELAY"))
add(F, "x402 token payment needs ALLOWED_TOKENS", [XD("api.example.com"), TL(LAD)],
    x402("api.example.com", amount=1, token=TOK), deny("TOKEN_NOT_ALLOWED", "SPENDING_LIMIT_NOT_COVERED"))
add(F, "x402 token payment allowed", [XD("api.example.com"), TL(LAD), ALLOW_USDC],
    x402("api.example.com", amount=1, token=TOK), exp())
ED = lambda rpm=None, *d: pol("ERC8128_ALLOWED_DOMAINS",  # noqa: E731
                              dict({"domains": list(d) or ["*.example.com"]}, **({"rate_limit_rpm": rpm} if rpm else {})))


def e8128(domain, perms=("SIGN_MESSAGE",)):
    return req("SIGN_MESSAGE", permissions=list(perms), erc8128={"domain": domain})


add(F, "ERC-8128 domain allowed", [ED()], e8128("api.example.com"), exp())
add(F, "ERC-8128 domain not allowed", [ED()], e8128("api.other.com"), deny("ERC8128_DOMAIN_NOT_ALLOWED"))
add(F, "ERC-8128 without the policy", [XSL], e8128("api.example.com"), deny("ERC8128_DOMAIN_NOT_ALLOWED"))
add(F, "ERC-8128 rate below rpm", [ED(2)], e8128("api.example.com"), exp(),
    ledger=[ledger_entry(10, erc8128=True), ledger_entry(10)])
add(F, "ERC-8128 rate at rpm", [ED(2)], e8128("api.example.com"), deny("ERC8128_RATE_LIMIT_EXCEEDED"),
    ledger=[ledger_entry(10, erc8128=True), ledger_entry(50, erc8128=True)])
add(F, "ERC-8128 rate window is 60 s", [ED(1)], e8128("api.example.com"), exp(),
    ledger=[ledger_entry(60, erc8128=True)])
add(F, "ERC-8128 needs the SIGN_MESSAGE permission", [ED()], e8128("api.example.com", perms=()),
    deny("PERMISSION_DENIED"))

# ---------------------------------------------------------------- DeFi actions
F = "defi"


def action(**a):
    def camel(k):
        head, *rest = k.split("_")
        return head + "".join(w.title() for w in rest)
    return {camel(k): v for k, v in a.items()}


def ccall(act, contract=A4):
    r = call(contract=contract)
    r["action"] = act
    return r


DCW = CW(A4)
LTV = pol("LENDING_LTV_LIMIT", {"max_ltv": "0.8", "warning_ltv": "0.7"})
add(F, "ltv below warning", [DCW, LTV], ccall(action(category="lending", projected_ltv="0.69")), exp())
add(F, "ltv at warning delays", [DCW, LTV], ccall(action(category="lending", projected_ltv="0.7")),
    exp(tier="DELAY", warnings=["LENDING_LTV_WARNING"]))
add(F, "ltv at max delays (inclusive)", [DCW, LTV], ccall(action(category="lending", projected_ltv="0.8")),
    exp(tier="DELAY", warnings=["LENDING_LTV_WARNING"]))
add(F, "ltv above max denies", [DCW, LTV], ccall(action(category="lending", projected_ltv="0.8001")),
    deny("LENDING_LTV_EXCEEDED"))
add(F, "ltv missing fails closed", [DCW, LTV], ccall(action(category="lending")), deny("ACTION_FIELD_MISSING"))
add(F, "ltv rule ignores non-lending actions", [DCW, LTV], ccall(action(category="swap")), exp())
LAW = pol("LENDING_ASSET_WHITELIST", {"assets": ["USDC", "WETH"]})
add(F, "lending asset allowed (case-insensitive)", [DCW, LAW], ccall(action(category="lending", asset="usdc")), exp())
add(F, "lending asset not allowed", [DCW, LAW], ccall(action(category="lending", asset="PEPE")),
    deny("LENDING_ASSET_NOT_ALLOWED"))
LEV = pol("PERP_MAX_LEVERAGE", {"max_leverage": "10", "warning_leverage": "5"})
add(F, "leverage below warning", [DCW, LEV], ccall(action(category="perp", leverage="4.99")), exp())
add(F, "leverage at warning delays", [DCW, LEV], ccall(action(category="perp", leverage="5")),
    exp(tier="DELAY", warnings=["PERP_LEVERAGE_WARNING"]))
add(F, "leverage above max denies", [DCW, LEV], ccall(action(category="perp", leverage="10.01")),
    deny("PERP_LEVERAGE_EXCEEDED"))
POS = pol("PERP_MAX_POSITION_USD", {"max_position_usd": "10000", "warning_position_usd": "5000"})
add(F, "position at max delays (warning)", [DCW, POS], ccall(action(category="perp", notional_usd="10000")),
    exp(tier="DELAY", warnings=["PERP_POSITION_WARNING"]))
add(F, "position above max denies", [DCW, POS], ccall(action(category="perp", notional_usd="10000.01")),
    deny("PERP_POSITION_EXCEEDED"))
MKT = pol("PERP_ALLOWED_MARKETS", {"markets": ["ETH-PERP"]})
add(F, "perp market allowed", [DCW, MKT], ccall(action(category="perp", market="eth-perp")), exp())
add(F, "perp market not allowed", [DCW, MKT], ccall(action(category="perp", market="DOGE-PERP")),
    deny("PERP_MARKET_NOT_ALLOWED"))
add(F, "perp leverage and market both reported", [DCW, MKT, LEV],
    ccall(action(category="perp", market="DOGE-PERP", leverage="20")),
    deny("PERP_MARKET_NOT_ALLOWED", "PERP_LEVERAGE_EXCEEDED"))
VEN = pol("VENUE_WHITELIST", {"venues": ["aave", "hyperliquid"]})
add(F, "venue allowed", [DCW, VEN], ccall(action(category="lending", venue="Aave")), exp())
add(F, "venue not allowed", [DCW, VEN], ccall(action(category="lending", venue="shadyswap")), deny("VENUE_NOT_ALLOWED"))
add(F, "venue missing fails closed", [DCW, VEN], ccall(action(category="lending")), deny("ACTION_FIELD_MISSING"))
ACL = pol("ACTION_CATEGORY_LIMIT", {"category": "perp", "per_action_limit_usd": "1000", "daily_limit_usd": "2500"})
add(F, "category per-action limit inclusive", [DCW, ACL], ccall(action(category="perp", notional_usd="1000")), exp())
add(F, "category per-action limit exceeded denies", [DCW, ACL],
    ccall(action(category="perp", notional_usd="1000.01")), deny("ACTION_CATEGORY_LIMIT_EXCEEDED"))
add(F, "category daily limit counts the window", [DCW, ACL], ccall(action(category="perp", notional_usd="600")),
    deny("ACTION_CATEGORY_LIMIT_EXCEEDED"),
    ledger=[ledger_entry(100, category="perp", category_usd="1000"),
            ledger_entry(200, category="perp", category_usd="1000")])
add(F, "category daily limit ignores other categories", [DCW, ACL],
    ccall(action(category="perp", notional_usd="600")), exp(),
    ledger=[ledger_entry(100, category="lending", category_usd="5000")])
add(F, "category tier_on_exceed escalates instead of denying", [DCW,
    pol("ACTION_CATEGORY_LIMIT", {"category": "perp", "per_action_limit_usd": "1000", "tier_on_exceed": "APPROVAL"})],
    ccall(action(category="perp", notional_usd="5000")),
    exp(tier="APPROVAL", approval="action_category", warnings=["ACTION_CATEGORY_LIMIT_ESCALATED"]))
add(F, "category limit without notional fails closed", [DCW, ACL], ccall(action(category="perp")),
    deny("ACTION_CATEGORY_LIMIT_EXCEEDED"))
REP = pol("REPUTATION_THRESHOLD", {"min_score": 50, "below_threshold_tier": "APPROVAL", "unrated_tier": "DELAY"})
add(F, "reputation at threshold passes", [DCW, REP], ccall(action(counterparty_score=50)), exp())
add(F, "reputation below threshold escalates", [DCW, REP], ccall(action(counterparty_score=49)),
    exp(tier="APPROVAL", approval="reputation"))
add(F, "unrated counterparty gets unrated_tier", [DCW, REP], ccall(action(category="swap")), exp(tier="DELAY"))
add(F, "reputation applies to plain transfers without action", [SL(**NATIVE_LADDER), REP], transfer(),
    exp(tier="DELAY"))

# ---------------------------------------------------------------- batches
F = "batch"
BT = lambda ins, network=ETH: req("BATCH", network=network, instructions=ins)  # noqa: E731
T = lambda to=A2, amount=1: {"type": "TRANSFER", "to": to, "amount": str(amount)}  # noqa: E731
add(F, "batch of two transfers", [SL(**NATIVE_LADDER)], BT([T(), T()]), exp())
add(F, "batch of one is invalid", [SL(**NATIVE_LADDER)], BT([T()]), deny("INVALID_REQUEST"))
add(F, "batch of 21 is invalid", [SL(**NATIVE_LADDER)], BT([T()] * 21), deny("INVALID_REQUEST"))
add(F, "batch of 20 is allowed", [SL(**NATIVE_LADDER)], BT([T()] * 20), exp())
add(F, "batch is judged on its total: 600 + 600 > 1000", [SL(**NATIVE_LADDER)], BT([T(amount=600), T(amount=600)]),
    exp(tier="NOTIFY"))
add(F, "batch all-or-nothing: one bad recipient denies all, indexed", [SL(**NATIVE_LADDER), WL(A2)],
    BT([T(to=A2), T(to=A3), T(to=A2)]), deny("WHITELIST_DENIED@1"))
add(F, "batch reports every failing instruction", [SL(**NATIVE_LADDER), WL(A2)],
    BT([T(to=A3), T(to=A2), T(to=A4)]), deny("WHITELIST_DENIED@0", "WHITELIST_DENIED@2"))
add(F, "batch mixes transfer and call", [SL(**NATIVE_LADDER), CW(A4)],
    BT([T(), {"type": "CONTRACT_CALL", "contract": A4, "selector": "0xa9059cbb"}]), exp())
add(F, "batch with a non-whitelisted call", [SL(**NATIVE_LADDER), CW(A4)],
    BT([T(), {"type": "CONTRACT_CALL", "contract": A3, "selector": "0xa9059cbb"}]),
    deny("CONTRACT_NOT_WHITELISTED@1"))
add(F, "nested batch is invalid", [SL(**NATIVE_LADDER)], BT([T(), {"type": "BATCH", "instructions": [T(), T()]}]),
    deny("INVALID_REQUEST@1"))
add(F, "signing inside a batch is invalid", [SL(**NATIVE_LADDER)], BT([T(), {"type": "SIGN_MESSAGE"}]),
    deny("INVALID_REQUEST@1"))
add(F, "batch with an approve takes the approve tier", [SL(**NATIVE_LADDER), SPEND({"address": A3})],
    BT([T(), {"type": "APPROVE", "spender": A3, "amount": "5", "token": {"address": USDC, "decimals": 6}}]),
    exp(tier="APPROVAL", approval="approve"))
add(F, "solana batch of transfers", [SL(**NATIVE_LADDER)], BT([T(to=S1), T(to=S2)], network=SOL), exp())

# ---------------------------------------------------------------- other kinds, networks, corruption
F = "misc"
NET = pol("ALLOWED_NETWORKS", {"networks": [ETH]})
add(F, "network in ALLOWED_NETWORKS", [SL(**NATIVE_LADDER), NET], transfer(), exp())
add(F, "network not in ALLOWED_NETWORKS", [SL(**NATIVE_LADDER), NET], transfer(network=BASE),
    deny("NETWORK_NOT_ALLOWED"))
add(F, "sign message with permission", [SL(**NATIVE_LADDER)], req("SIGN_MESSAGE", permissions=["SIGN_MESSAGE"]),
    exp())
add(F, "sign message without permission", [SL(**NATIVE_LADDER)], req("SIGN_MESSAGE", permissions=["TRANSACTION"]),
    deny("PERMISSION_DENIED"))
add(F, "NFT transfer of a whitelisted collection needs approval", [CW(A4)],
    req("NFT_TRANSFER", to=A2, contract=A4, tokenId="7"), exp(tier="APPROVAL", approval="nft_transfer"))
add(F, "NFT transfer of another collection", [CW(A4)], req("NFT_TRANSFER", to=A2, contract=A3, tokenId="7"),
    deny("CONTRACT_NOT_WHITELISTED"))
add(F, "NFT transfer respects WHITELIST", [CW(A4), WL(A3)], req("NFT_TRANSFER", to=A2, contract=A4, tokenId="7"),
    deny("WHITELIST_DENIED"))
add(F, "contract deploy needs approval", [SL(**NATIVE_LADDER)], req("CONTRACT_DEPLOY"),
    exp(tier="APPROVAL", approval="contract_deploy"))
add(F, "contract deploy with value needs a SPENDING_LIMIT", [CW(A4)], req("CONTRACT_DEPLOY", value="5"),
    deny("NO_POLICY"))
add(F, "corrupt rules deny", [pol("SPENDING_LIMIT", {"instant_max": "ten"})], transfer(),
    deny("POLICY_RULES_CORRUPT"))
add(F, "corrupt rules with an unknown field deny", [pol("SPENDING_LIMIT", {"instant_maxx": "10"})], transfer(),
    deny("POLICY_RULES_CORRUPT"))
add(F, "corrupt rules that are not an object deny", [pol("WHITELIST", "not json"), SL(**NATIVE_LADDER)],
    transfer(), deny("POLICY_RULES_CORRUPT"))
add(F, "corrupt winning whitelist denies even for a listed recipient",
    [SL(**NATIVE_LADDER), pol("WHITELIST", {"allowed_addresses": ["0xnot-an-address"]}, priority=5),
     pol("WHITELIST", {"allowed_addresses": [A2]}, priority=1)], transfer(to=A2), deny("POLICY_RULES_CORRUPT"))
add(F, "a corrupt policy that loses resolution is ignored",
    [SL(**NATIVE_LADDER), pol("WHITELIST", {"allowed_addresses": ["0xnot-an-address"]}, wallet=None),
     pol("WHITELIST", {"allowed_addresses": [A2]})], transfer(to=A2), exp())
add(F, "corrupt policy does not also report its absence", [pol("CONTRACT_WHITELIST", {"contracts": []})], call(),
    deny("POLICY_RULES_CORRUPT"))
add(F, "every deny reason is reported", [SL(**NATIVE_LADDER), WL(A1), NET, RL(1, 60),
                                          TR(allowed_hours={"start": 0, "end": 1})],
    transfer(to=A3, network=BASE), deny("WHITELIST_DENIED", "NETWORK_NOT_ALLOWED", "RATE_LIMIT_EXCEEDED",
                                        "OUTSIDE_ALLOWED_TIME"), ledger=[ledger_entry(1)])
add(F, "deny wins over a low tier", [SL(**NATIVE_LADDER), WL(A1)], transfer(to=A3, amount=1),
    deny("WHITELIST_DENIED"))
add(F, "tier is the max over rules (reputation DELAY over INSTANT ladder)",
    [SL(**NATIVE_LADDER), pol("REPUTATION_THRESHOLD", {"min_score": 10, "below_threshold_tier": "NOTIFY",
                                                       "unrated_tier": "NOTIFY"})],
    dict(transfer(amount=2500), action={"counterpartyScore": 5}), exp(tier="DELAY"))


# ---------------------------------------------------------------- signed
# Judge what is signed: decimals the agent cannot choose, fees as value, decoded call
# and typed-data effects, instructions never signed, agent-written descriptors.
F = "signed"
USDC_PRICE = prices({USDC_ID: q("1")})
USD_LADDER = dict(instant_max_usd="10", notify_max_usd="100", delay_max_usd="1000")
add(F, "stated decimals that differ from ALLOWED_TOKENS are denied", [ALLOW_USDC, TL(LAD)],
    tt(1, token={"address": USDC, "decimals": 18}), deny("TOKEN_DECIMALS_MISMATCH"))
add(F, "chain decimals that differ from ALLOWED_TOKENS are denied", [ALLOW_USDC, TL(LAD)],
    tt(1, token={"address": USDC, "chainDecimals": 18}), deny("TOKEN_DECIMALS_MISMATCH"))
add(F, "stated decimals equal to ALLOWED_TOKENS pass", [ALLOW_USDC, TL(LAD)],
    tt(1, token={"address": USDC, "decimals": 6}), exp())
# 50 USDC valued with the operator's 6 decimals: 50 USD is NOTIFY. (With 18 it would be
# 5e-11 USD and INSTANT: the attack this closes.)
add(F, "a token is valued with the operator's decimals", [ALLOW_USDC, SL(**USD_LADDER)],
    tt(50_000_000, token={"address": USDC}), exp(tier="NOTIFY"), prices=USDC_PRICE)
add(F, "an EVM token with only stated decimals is unpriced", [
    pol("ALLOWED_TOKENS", {"tokens": [{"address": USDC, "asset_id": USDC_ID, "decimals": 6}]}),
    SL(**USD_LADDER)], tt(1, token={"address": DAI, "decimals": 18}),
    deny("TOKEN_NOT_ALLOWED", warnings=["PRICE_UNAVAILABLE"]), prices=prices({}))
SOL_ALLOW = pol("ALLOWED_TOKENS", {"tokens": [{"address": S1}]})
SOL_TL = SL(token_limits={SOL_USDC_ID: {"instant_max": "10", "notify_max": "100"}})
add(F, "solana: TransferChecked decimals are trusted (the token program enforces them)", [SOL_ALLOW, SOL_TL],
    tt(20_000_000, token={"address": S1, "decimals": 6}, to=S2, network=SOL), exp(tier="NOTIFY"))
add(F, "solana: chain decimals convert token_limits", [SOL_ALLOW, SOL_TL],
    tt(20_000_000, token={"address": S1, "chainDecimals": 6}, to=S2, network=SOL), exp(tier="NOTIFY"))
add(F, "solana: decimals that differ from the entry's are denied", [
    pol("ALLOWED_TOKENS", {"tokens": [{"address": S1, "decimals": 6}]}), SOL_TL],
    tt(20, token={"address": S1, "decimals": 9}, to=S2, network=SOL), deny("TOKEN_DECIMALS_MISMATCH"))
add(F, "solana: a token with no decimals at all cannot match token_limits", [SOL_ALLOW, SOL_TL],
    tt(1, token={"address": S1}, to=S2, network=SOL), deny("SPENDING_LIMIT_NOT_COVERED"))
add(F, "solana: a token with no decimals is unpriced under USD limits", [SOL_ALLOW, SL(**USD_LADDER)],
    tt(1, token={"address": S1}, to=S2, network=SOL),
    exp(tier="APPROVAL", approval="unknown_price", warnings=["PRICE_UNAVAILABLE"]),
    prices=prices({SOL_USDC_ID: q("1")}))
add(F, "an approval that states decimals other than ALLOWED_TOKENS' is denied", [
    ALLOW_USDC, SPEND({"address": A3})], approve(1, token={"address": USDC, "decimals": 18}),
    deny("TOKEN_DECIMALS_MISMATCH"))
add(F, "an approval of a token outside ALLOWED_TOKENS needs no entry", [SPEND({"address": A3})],
    approve(1, token={"address": DAI, "decimals": 18}), exp(tier="APPROVAL", approval="approve"))
# Fees: a 1-wei transfer whose fee can reach 2500 wei is judged as 2501 wei (DELAY).
add(F, "the maximum fee is laddered with the native amount", [SL(**NATIVE_LADDER)],
    dict(transfer(amount=1), fee={"max": "2500"}), exp(tier="DELAY"))
add(F, "the maximum fee is priced in USD", [SL(**USD_LADDER)],
    dict(transfer(amount=10**15), fee={"max": str(84 * 10**17)}),
    exp(tier="APPROVAL", approval="per_tx"), prices=prices({"native:" + ETH: q("3000")}))
add(F, "a fee above the network ceiling is denied", [SL(**NATIVE_LADDER)],
    dict(transfer(amount=1), fee={"max": "1001", "ceiling": "1000"}), deny("FEE_TOO_HIGH"))
add(F, "a fee at the ceiling passes", [SL(**NATIVE_LADDER)],
    dict(transfer(amount=1), fee={"max": "999", "ceiling": "1000"}), exp())
add(F, "a fee needs a SPENDING_LIMIT even for an approval", [SPEND({"address": A3})],
    dict(approve(1), fee={"max": "1"}), deny("NO_POLICY"))
add(F, "a fee is counted in the daily USD cap", [SL(**USD_LADDER, daily_limit_usd="20")],
    dict(transfer(amount=1), fee={"max": str(5 * 10**15)}),
    exp(tier="APPROVAL", approval="cumulative_daily", warnings=["DAILY_LIMIT_EXCEEDED"]),
    prices=prices({"native:" + ETH: q("3000")}), ledger=[ledger_entry(60, usd="10")])
# Opaque wrappers, unrecognised typed data, refused instructions.
OPAQUE_CW = pol("CONTRACT_WHITELIST", {"contracts": [{"address": A4, "opaque_selectors": ["0x252dba42"]}]})
add(F, "a wrapper call is denied unless listed as opaque", [CW(A4)],
    dict(call(selector="0x252dba42"), opaque=True), deny("OPAQUE_CALL_NOT_ALLOWED"))
add(F, "a wrapper call listed as opaque is allowed", [OPAQUE_CW],
    dict(call(selector="0x252dba42"), opaque=True), exp())
add(F, "an opaque listing does not cover another selector", [OPAQUE_CW],
    dict(call(selector="0x82ad56cb"), opaque=True), deny("OPAQUE_CALL_NOT_ALLOWED"))
TD_CW = pol("CONTRACT_WHITELIST", {"contracts": [{"address": A4, "typed_data": ["Order"]}]})
TD = lambda c=A4, t="Order": req("SIGN_TYPED_DATA", permissions=["SIGN_TYPED_DATA"],  # noqa: E731
                                 unrecognised={"verifyingContract": c, "primaryType": t})
add(F, "unrecognised typed data is denied by default", [SL(**NATIVE_LADDER)], TD(),
    deny("TYPED_DATA_NOT_ALLOWED"))
add(F, "unrecognised typed data allow-listed for its verifying contract", [TD_CW], TD(), exp())
add(F, "typed data allow-listed for another contract is denied", [TD_CW], TD(c=A3),
    deny("TYPED_DATA_NOT_ALLOWED"))
add(F, "typed data allow-listed for another primary type is denied", [TD_CW], TD(t="Permit"),
    deny("TYPED_DATA_NOT_ALLOWED"))
add(F, "typed data without a verifying contract cannot be allow-listed", [TD_CW],
    req("SIGN_TYPED_DATA", permissions=["SIGN_TYPED_DATA"], unrecognised={"primaryType": "Order"}),
    deny("TYPED_DATA_NOT_ALLOWED"))
GRANT = lambda sp, amt="1", **kw: dict({"type": "APPROVE", "spender": sp, "amount": str(amt),  # noqa: E731
                                        "token": {"address": USDC}}, **kw)
add(F, "every grant of a Permit2 batch is judged", [SPEND({"address": A3}, {"address": A2})],
    req("SIGN_TYPED_DATA", permissions=["SIGN_TYPED_DATA"], legs=[GRANT(A3), GRANT(A2), GRANT(A1)]),
    deny("SPENDER_NOT_APPROVED@2"))
add(F, "a Permit2 batch whose grants are all allowed", [SPEND({"address": A3}, {"address": A2}),
                                                        pol("APPROVE_TIER_OVERRIDE", {"tier": "NOTIFY"})],
    req("SIGN_TYPED_DATA", permissions=["SIGN_TYPED_DATA"], legs=[GRANT(A3), GRANT(A2)]), exp(tier="NOTIFY"))
add(F, "a grant the decoder marks unlimited is blocked", [SPEND({"address": A3})],
    req("SIGN_TYPED_DATA", permissions=["SIGN_TYPED_DATA"],
        legs=[GRANT(A3, amt=2**160 - 1, unlimited=True)]), deny("UNLIMITED_APPROVE_BLOCKED@0"))
add(F, "an EIP-3009 authorization is a token transfer", [ALLOW_USDC, TL(LAD)],
    req("SIGN_TYPED_DATA", permissions=["SIGN_TYPED_DATA"],
        legs=[{"type": "TOKEN_TRANSFER", "to": A2, "amount": "1000000", "token": {"address": USDC}}]), exp())
add(F, "an EIP-3009 authorization above the ladder escalates", [ALLOW_USDC, TL(LAD)],
    req("SIGN_TYPED_DATA", permissions=["SIGN_TYPED_DATA"],
        legs=[{"type": "TOKEN_TRANSFER", "to": A2, "amount": "5000000001", "token": {"address": USDC}}]),
    exp(tier="APPROVAL", approval="per_tx"))
add(F, "typed data cannot carry a native transfer", [SL(**NATIVE_LADDER)],
    req("SIGN_TYPED_DATA", permissions=["SIGN_TYPED_DATA"], legs=[{"type": "TRANSFER", "to": A2, "amount": "1"}]),
    deny("INVALID_REQUEST@0"))
add(F, "a refused instruction is denied whatever the whitelist", [CW(S2), SL(**NATIVE_LADDER)],
    req("REFUSED", network=SOL, contract=S2, reason="changes an account's authority"), deny("INSTRUCTION_REFUSED"))
add(F, "a refused instruction denies its whole batch", [CW(S2), SL(**NATIVE_LADDER)],
    req("BATCH", network=SOL, instructions=[
        {"type": "TRANSFER", "to": S3, "amount": "1"},
        {"type": "REFUSED", "contract": S2, "reason": "changes an account's authority"}]),
    deny("INSTRUCTION_REFUSED@1"))
add(F, "an allowance increase needs the owner whatever the override says",
    [SPEND({"address": A3}), pol("APPROVE_TIER_OVERRIDE", {"tier": "INSTANT"})],
    dict(approve(5), increase=True),
    exp(tier="APPROVAL", approval="approve", warnings=["ALLOWANCE_TOTAL_UNKNOWN"]))
add(F, "an allowance increase above the spender's max is denied",
    [SPEND({"address": A3, "max_amount": "4"})], dict(approve(5), increase=True),
    deny("APPROVE_AMOUNT_EXCEEDED", warnings=["ALLOWANCE_TOTAL_UNKNOWN"]))
VENUES = pol("VENUE_WHITELIST", {"venues": ["aave"]})
add(F, "an undescribed contract call under DeFi policies needs the owner", [CW(A4), VENUES],
    call(), exp(tier="APPROVAL", approval="action_category", warnings=["ACTION_UNDESCRIBED"]))
add(F, "a described contract call is judged by the DeFi policies", [CW(A4), VENUES],
    dict(call(), action={"venue": "aave"}), exp())
add(F, "a call described with a venue outside the list is denied", [CW(A4), VENUES],
    dict(call(), claimedAction={"venue": "shadyswap"}),
    deny("VENUE_NOT_ALLOWED", warnings=["ACTION_UNDESCRIBED"]))
add(F, "a call the agent describes with a listed venue still needs the owner", [CW(A4), VENUES],
    dict(call(), claimedAction={"venue": "aave"}),
    exp(tier="APPROVAL", approval="action_category", warnings=["ACTION_UNDESCRIBED"]))
add(F, "an undescribed transfer is not a DeFi action", [SL(**NATIVE_LADDER), VENUES],
    transfer(amount=1), exp())
# Descriptors: the agent's own can raise or deny, never lower.
REP = pol("REPUTATION_THRESHOLD", {"min_score": 50, "below_threshold_tier": "APPROVAL", "unrated_tier": "APPROVAL"})
add(F, "a counterparty score the agent reports cannot lower the tier", [SL(**NATIVE_LADDER), REP],
    dict(transfer(amount=1), claimedAction={"counterpartyScore": 100}), exp(tier="APPROVAL", approval="reputation"))
add(F, "a trusted counterparty score lowers the tier", [SL(**NATIVE_LADDER), REP],
    dict(transfer(amount=1), action={"counterpartyScore": 100}), exp())
add(F, "a low score the agent reports raises the tier", [SL(**NATIVE_LADDER), REP],
    dict(transfer(amount=1), action={"counterpartyScore": 100}, claimedAction={"counterpartyScore": 1}),
    exp(tier="APPROVAL", approval="reputation"))
add(F, "the agent's descriptor can deny", [SL(**NATIVE_LADDER), pol("PERP_MAX_LEVERAGE", {"max_leverage": "5"})],
    dict(transfer(amount=1), claimedAction={"category": "perp", "leverage": "20"}), deny("PERP_LEVERAGE_EXCEEDED"))


def main():
    total = 0
    for name, cases in FILES.items():
        names = [c["name"] for c in cases]
        assert len(names) == len(set(names)), "duplicate case name in " + name
        doc = {"description": "waiaas policy decision vectors: " + name.replace("_", " "),
               "format": "see testdata/vectors/README.md", "cases": cases}
        with open(os.path.join(HERE, name + ".json"), "w", encoding="utf-8") as f:
            json.dump(doc, f, indent=1, ensure_ascii=False)
            f.write("\n")
        total += len(cases)
    print("wrote %d cases in %d files" % (total, len(FILES)))


if __name__ == "__main__":
    main()
