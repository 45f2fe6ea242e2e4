//! A statement built from the filters given: fragments are constant text, values are bound,
//! and placeholders are numbered by the builder, so no caller counts `$n` by hand and every
//! list query names only the columns it filters on (each with an index on both backends).

use sqlx::any::{Any, AnyArguments};
use sqlx::query::Query;

/// A bound value.
#[derive(Debug, Clone)]
pub enum Arg {
    Text(String),
    Int(i64),
}

impl From<&str> for Arg {
    fn from(v: &str) -> Arg {
        Arg::Text(v.to_owned())
    }
}

impl From<String> for Arg {
    fn from(v: String) -> Arg {
        Arg::Text(v)
    }
}

impl From<&String> for Arg {
    fn from(v: &String) -> Arg {
        Arg::Text(v.clone())
    }
}

impl From<i64> for Arg {
    fn from(v: i64) -> Arg {
        Arg::Int(v)
    }
}

/// SQL text and its arguments, in placeholder order.
#[derive(Debug, Clone, Default)]
pub struct Sql {
    text: String,
    args: Vec<Arg>,
}

impl Sql {
    /// Starts a statement with constant text.
    pub fn new(start: &'static str) -> Sql {
        Sql {
            text: start.to_owned(),
            args: Vec::new(),
        }
    }

    /// Appends constant text.
    pub fn push(&mut self, fragment: &'static str) -> &mut Sql {
        self.text.push_str(fragment);
        self
    }

    /// Appends the next placeholder and binds `value` to it.
    pub fn bind(&mut self, value: impl Into<Arg>) -> &mut Sql {
        self.args.push(value.into());
        self.text.push('$');
        self.text.push_str(&self.args.len().to_string());
        self
    }

    /// Appends `(v1, v2, …)`, binding each value.
    pub fn bind_list<T: Into<Arg> + Clone>(&mut self, values: &[T]) -> &mut Sql {
        self.push("(");
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.bind(v.clone());
        }
        self.push(")")
    }

    /// The statement's text (for tests and logs).
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The statement, ready to run.
    pub fn query(&self) -> Query<'static, Any, AnyArguments> {
        self.args.iter().fold(
            sqlx::query(sqlx::AssertSqlSafe(self.text.clone())),
            |q, a| match a {
                Arg::Text(s) => q.bind(s.clone()),
                Arg::Int(n) => q.bind(*n),
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_in_order() {
        let mut sql = Sql::new("SELECT id FROM users WHERE 1 = 1");
        sql.push(" AND status = ").bind("active");
        sql.push(" AND id IN ").bind_list(&["a", "b"]);
        sql.push(" LIMIT ").bind(10);
        assert_eq!(
            sql.text(),
            "SELECT id FROM users WHERE 1 = 1 AND status = $1 AND id IN ($2, $3) LIMIT $4"
        );
    }
}
