//! Money: an amount in minor units (cents, pence, yen) with its ISO 4217 currency, never a
//! float. Each currency knows its minor-unit exponent, so amounts parse and print exactly.

use serde::{Deserialize, Serialize};

macro_rules! currencies {
    ($($code:ident = $exp:literal, $name:literal;)+) => {
        /// An ISO 4217 currency Portcullis accepts.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
        pub enum Currency {
            $(#[doc = $name] $code,)+
        }

        impl Currency {
            /// Every accepted currency.
            pub const ALL: &'static [Currency] = &[$(Currency::$code,)+];

            /// The ISO 4217 alphabetic code, e.g. `EUR`.
            pub fn code(self) -> &'static str {
                match self {
                    $(Currency::$code => stringify!($code),)+
                }
            }

            /// Digits after the decimal point (ISO 4217 minor unit): 2 for EUR, 0 for JPY,
            /// 3 for KWD.
            pub fn exponent(self) -> u32 {
                match self {
                    $(Currency::$code => $exp,)+
                }
            }

            /// The currency's English name.
            pub fn name(self) -> &'static str {
                match self {
                    $(Currency::$code => $name,)+
                }
            }

            /// The currency of an ISO 4217 code, any case.
            pub fn parse(code: &str) -> Option<Currency> {
                match code.trim().to_ascii_uppercase().as_str() {
                    $(stringify!($code) => Some(Currency::$code),)+
                    _ => None,
                }
            }
        }
    };
}

currencies! {
    AED = 2, "UAE dirham";
    AUD = 2, "Australian dollar";
    BHD = 3, "Bahraini dinar";
    BRL = 2, "Brazilian real";
    CAD = 2, "Canadian dollar";
    CHF = 2, "Swiss franc";
    CLP = 0, "Chilean peso";
    CNY = 2, "Chinese yuan";
    CZK = 2, "Czech koruna";
    DKK = 2, "Danish krone";
    EUR = 2, "Euro";
    GBP = 2, "Pound sterling";
    HKD = 2, "Hong Kong dollar";
    HUF = 2, "Hungarian forint";
    IDR = 2, "Indonesian rupiah";
    ILS = 2, "Israeli new shekel";
    INR = 2, "Indian rupee";
    ISK = 0, "Icelandic króna";
    JOD = 3, "Jordanian dinar";
    JPY = 0, "Japanese yen";
    KRW = 0, "South Korean won";
    KWD = 3, "Kuwaiti dinar";
    MXN = 2, "Mexican peso";
    MYR = 2, "Malaysian ringgit";
    NOK = 2, "Norwegian krone";
    NZD = 2, "New Zealand dollar";
    OMR = 3, "Omani rial";
    PHP = 2, "Philippine peso";
    PLN = 2, "Polish złoty";
    SAR = 2, "Saudi riyal";
    SEK = 2, "Swedish krona";
    SGD = 2, "Singapore dollar";
    THB = 2, "Thai baht";
    TND = 3, "Tunisian dinar";
    TRY = 2, "Turkish lira";
    TWD = 2, "New Taiwan dollar";
    USD = 2, "US dollar";
    VND = 0, "Vietnamese đồng";
    ZAR = 2, "South African rand";
}

/// An amount of money: `minor` units of `currency` (1234 EUR-cents is EUR 12.34).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Money {
    pub minor: i64,
    pub currency: Currency,
}

/// Why a decimal amount could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoneyError {
    /// Not a decimal number.
    NotANumber,
    /// More decimals than the currency has.
    TooPrecise,
    /// Beyond what 64 bits of minor units hold.
    TooLarge,
}

impl Money {
    pub fn new(minor: i64, currency: Currency) -> Money {
        Money { minor, currency }
    }

    /// Reads a decimal amount such as `1234.5` or `-3` in `currency`, exactly.
    pub fn parse(amount: &str, currency: Currency) -> Result<Money, MoneyError> {
        let amount = amount.trim();
        let (negative, digits) = match amount.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, amount),
        };
        let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
        if whole.is_empty()
            || !whole.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
            || (digits.contains('.') && frac.is_empty())
        {
            return Err(MoneyError::NotANumber);
        }
        let exp = currency.exponent() as usize;
        if frac.len() > exp {
            return Err(MoneyError::TooPrecise);
        }
        let scale = 10_i64.pow(exp as u32);
        let whole: i64 = whole.parse().map_err(|_| MoneyError::TooLarge)?;
        let frac: i64 = if exp == 0 {
            0
        } else {
            format!("{frac:0<exp$}").parse().unwrap_or(0)
        };
        let minor = whole
            .checked_mul(scale)
            .and_then(|m| m.checked_add(frac))
            .ok_or(MoneyError::TooLarge)?;
        Ok(Money::new(if negative { -minor } else { minor }, currency))
    }

    /// The amount as a decimal with the currency's digits, e.g. `12.34`.
    pub fn decimal(&self) -> String {
        let exp = self.currency.exponent();
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        if exp == 0 {
            return format!("{sign}{abs}");
        }
        let scale = 10_u64.pow(exp);
        format!(
            "{sign}{}.{:0width$}",
            abs / scale,
            abs % scale,
            width = exp as usize
        )
    }

    /// The sum of two amounts of the same currency; `None` across currencies or on overflow.
    pub fn checked_add(self, other: Money) -> Option<Money> {
        (self.currency == other.currency)
            .then(|| self.minor.checked_add(other.minor))
            .flatten()
            .map(|minor| Money::new(minor, self.currency))
    }
}

impl std::fmt::Display for Money {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.currency.code(), self.decimal())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_parse_and_print_exactly_in_each_currencys_digits() {
        let eur = Money::parse("1234.5", Currency::EUR).expect("eur");
        assert_eq!(eur.minor, 123_450);
        assert_eq!(eur.to_string(), "EUR 1234.50");
        assert_eq!(
            Money::parse("1500", Currency::JPY).expect("jpy").minor,
            1500
        );
        assert_eq!(
            Money::parse("1.5", Currency::JPY),
            Err(MoneyError::TooPrecise)
        );
        assert_eq!(
            Money::parse("0.125", Currency::KWD).expect("kwd").decimal(),
            "0.125"
        );
        assert_eq!(
            Money::parse("-3", Currency::USD).expect("usd").decimal(),
            "-3.00"
        );
        assert_eq!(
            Money::parse("12.", Currency::USD),
            Err(MoneyError::NotANumber)
        );
        assert_eq!(
            Money::parse("1e3", Currency::USD),
            Err(MoneyError::NotANumber)
        );
        assert_eq!(
            Money::parse("99999999999999999999", Currency::USD),
            Err(MoneyError::TooLarge)
        );
    }

    #[test]
    fn currencies_are_iso_codes_and_never_mix() {
        assert_eq!(Currency::parse("gbp"), Some(Currency::GBP));
        assert_eq!(Currency::parse("XXX"), None);
        assert_eq!(Currency::JPY.exponent(), 0);
        assert_eq!(Currency::BHD.exponent(), 3);
        let a = Money::new(100, Currency::EUR);
        assert_eq!(
            a.checked_add(Money::new(50, Currency::EUR)),
            Some(Money::new(150, Currency::EUR))
        );
        assert_eq!(a.checked_add(Money::new(50, Currency::USD)), None);
        assert_eq!(
            serde_json::to_value(a).expect("json"),
            serde_json::json!({"minor": 100, "currency": "EUR"})
        );
    }
}
