"""Money as decimal strings with a currency, never floats."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation


@dataclass(frozen=True)
class Money:
    """An amount in a currency, e.g. Money("129.00", "EUR")."""

    amount: str
    currency: str

    @classmethod
    def of(cls, value: object, currency: str) -> "Money":
        """Normalise value (str, int or Decimal; never float) to two decimals."""
        if isinstance(value, float):
            raise ValueError("money must not be a float")
        try:
            dec = Decimal(str(value).strip())
        except InvalidOperation as exc:
            raise ValueError(f"not a decimal amount: {value!r}") from exc
        if not dec.is_finite():
            raise ValueError(f"not a finite amount: {value!r}")
        return cls(str(dec.quantize(Decimal("0.01"))), currency)

    def decimal(self) -> Decimal:
        return Decimal(self.amount)

    def to_json(self) -> dict[str, str]:
        return {"amount": self.amount, "currency": self.currency}

    def format(self, language: str = "fr") -> str:
        """Human display: "129,00 €" in French, "€129.00" in English."""
        symbol = {"EUR": "€", "USD": "$", "GBP": "£"}.get(self.currency, self.currency + " ")
        dec = self.decimal()
        whole = dec == dec.to_integral_value()
        text = f"{dec:,.0f}" if whole else f"{dec:,.2f}"
        if language == "fr":
            text = text.replace(",", "\u202f").replace(".", ",")
            return f"{text}\u00a0{symbol.strip()}"
        return f"{symbol}{text}"
