"""Write an ARTS POSLog 2.1 file of N sales (plus a sign-on per 50), for benchmarks and demos.

    python tests/bench/make_poslog.py 10000 /tmp/poslog-10k.xml [--seed 1]

Each sale has 1-4 item lines (whole quantities, EAN item ids), a card or cash tender
with a masked PAN, totals with tax, and a loyalty id on every third sale.
"""

from __future__ import annotations

import argparse
import random
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

NS = "http://www.nrf-arts.org/IXRetail/namespace/"


def _ean13(body: str) -> str:
    """body (12 digits) with its EAN-13 check digit."""
    total = sum(int(c) * (3 if i % 2 else 1) for i, c in enumerate(body))
    return body + str((10 - total % 10) % 10)


def _sign_on(ws: int, seq: int, at: datetime) -> str:
    return (f"<Transaction><RetailStoreID>paris-marais</RetailStoreID><WorkstationID>{ws}</WorkstationID>"
            f"<SequenceNumber>{seq}</SequenceNumber><BusinessDayDate>{at:%Y-%m-%d}</BusinessDayDate>"
            f"<EndDateTime>{at:%Y-%m-%dT%H:%M:%S}</EndDateTime><ControlTransaction Version=\"2.1\">"
            f"<ReasonCode>Valid SignOn</ReasonCode></ControlTransaction></Transaction>\n")


def _sale(rng: random.Random, ws: int, seq: int, at: datetime) -> str:
    lines, net = [], Decimal(0)
    for n in range(rng.randint(1, 4)):
        qty = rng.randint(1, 3)
        price = Decimal(rng.randrange(990, 25000)) / 100
        ext = price * qty
        net += ext
        ean = _ean13(f"370{rng.randrange(10**9):09d}")
        lines.append(f"<LineItem><SequenceNumber>{n + 1}</SequenceNumber><Sale ItemType=\"Stock\">"
                     f"<POSIdentity POSIDType=\"GTIN\"><POSItemID>{ean}</POSItemID></POSIdentity>"
                     f"<ItemID>{ean}</ItemID><Description>{escape('Robe & co')}</Description>"
                     f"<RegularSalesUnitPrice>{price}</RegularSalesUnitPrice>"
                     f"<ExtendedAmount>{ext}</ExtendedAmount><Quantity>{qty}</Quantity></Sale></LineItem>")
    tax = (net * Decimal("0.2")).quantize(Decimal("0.01"))
    grand = net + tax
    if rng.random() < 0.7:
        tender = (f"<Tender TenderType=\"CreditDebit\" TypeCode=\"Sale\"><Amount>{grand}</Amount>"
                  f"<CreditDebit CardType=\"Credit\"><PrimaryAccountNumber>************{rng.randrange(10**4):04d}"
                  f"</PrimaryAccountNumber></CreditDebit></Tender>")
    else:
        tender = f"<Tender TenderType=\"Cash\" TypeCode=\"Sale\"><Amount>{grand}</Amount></Tender>"
    lines.append(f"<LineItem><SequenceNumber>{len(lines) + 1}</SequenceNumber>{tender}</LineItem>")
    loyalty = (f"<LoyaltyAccount><CustomerID>LOY-{rng.randrange(10**6):06d}</CustomerID></LoyaltyAccount>"
               if seq % 3 == 0 else "")
    return (f"<Transaction><RetailStoreID>paris-marais</RetailStoreID><WorkstationID>{ws}</WorkstationID>"
            f"<SequenceNumber>{seq}</SequenceNumber><BusinessDayDate>{at:%Y-%m-%d}</BusinessDayDate>"
            f"<EndDateTime>{at:%Y-%m-%dT%H:%M:%S}+01:00</EndDateTime><CurrencyCode>EUR</CurrencyCode>"
            f"<RetailTransaction Version=\"2.1\">{''.join(lines)}{loyalty}"
            f"<Total TotalType=\"TransactionGrandAmount\">{grand}</Total>"
            f"<Total TotalType=\"TransactionTaxAmount\">{tax}</Total></RetailTransaction></Transaction>\n")


def write_poslog(n: int, out: Path, seed: int = 1) -> Path:
    """Write n sales to out; returns out."""
    rng = random.Random(seed)
    at = datetime(2026, 11, 23, 9, 0, 0)
    with out.open("w", encoding="utf-8") as f:
        f.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<POSLog xmlns="{NS}">\n')
        for seq in range(1, n + 1):
            ws = 1 + seq % 4
            if seq % 50 == 1:
                f.write(_sign_on(ws, 10**6 + seq, at))
            f.write(_sale(rng, ws, seq, at))
            at += timedelta(seconds=7)
        f.write("</POSLog>\n")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int)
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    write_poslog(args.n, args.out, args.seed)
    print(f"wrote {args.n} sales to {args.out} ({args.out.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
