//! Reading a token's blocks as builder values, without printing and
//! re-parsing Datalog.

use super::*;

/// A block's statements, as builder values.
#[derive(Default)]
pub(super) struct Statements {
    pub(super) facts: Vec<biscuit_auth::builder::Fact>,
    pub(super) rules: Vec<Rule>,
    pub(super) checks: Vec<biscuit_auth::builder::Check>,
}

/// Decodes every block of a token that verified, without printing and
/// re-parsing Datalog: the protobuf blocks, with the token's symbols (or a
/// third-party block's own). Rule scopes (`trusting …`) are dropped: the
/// estimate counts every block's facts as visible anyway.
pub(super) fn decode_blocks(biscuit: &Biscuit) -> Result<Vec<Statements>, VerifyError> {
    use biscuit_auth::builder::{Check, Convert, Fact};
    use biscuit_auth::datalog::SymbolTable;
    use biscuit_auth::format::{convert, schema};
    use prost::Message;
    let invalid = |_| VerifyError::Invalid;
    let bytes = biscuit.to_vec().map_err(invalid)?;
    let token = schema::Biscuit::decode(&bytes[..]).map_err(|_| VerifyError::Invalid)?;
    let mut token_symbols: Vec<String> = Vec::new();
    let signed = std::iter::once(&token.authority).chain(&token.blocks);
    let mut out = Vec::new();
    for block in signed {
        let b = schema::Block::decode(&block.block[..]).map_err(|_| VerifyError::Invalid)?;
        let symbols = if block.external_signature.is_some() {
            SymbolTable::from(b.symbols.clone())
        } else {
            token_symbols.extend(b.symbols.iter().cloned());
            SymbolTable::from(token_symbols.clone())
        }
        .map_err(|_| VerifyError::Invalid)?;
        let version = b.version.unwrap_or(0);
        let mut st = Statements::default();
        for f in &b.facts {
            let f = convert::proto_fact_to_token_fact(f).map_err(|_| VerifyError::Invalid)?;
            st.facts
                .push(Fact::convert_from(&f, &symbols).map_err(|_| VerifyError::Invalid)?);
        }
        for r in &b.rules {
            let (mut r, _) =
                convert::proto_rule_to_token_rule(r, version).map_err(|_| VerifyError::Invalid)?;
            r.scopes.clear();
            st.rules
                .push(Rule::convert_from(&r, &symbols).map_err(|_| VerifyError::Invalid)?);
        }
        for c in &b.checks {
            let mut c = convert::proto_check_to_token_check(c, version)
                .map_err(|_| VerifyError::Invalid)?;
            c.queries.iter_mut().for_each(|q| q.scopes.clear());
            st.checks
                .push(Check::convert_from(&c, &symbols).map_err(|_| VerifyError::Invalid)?);
        }
        out.push(st);
    }
    Ok(out)
}
