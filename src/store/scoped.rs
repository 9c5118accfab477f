//! The queries every tenant-scoped table has, written once: the filter for one
//! row by its key, insert, find, list and delete. A module of queries invokes
//! the ones it needs after `use super::schema::{table}` and
//! `use super::{DbConnection, StoreError, TenantId}`; each expands to an
//! ordinary function taking the tenant right after the connection, so a query
//! without the tenant cannot be written by accident here either.

/// `fn $name(tenant, key)`: the rows of `$table` in `tenant` whose `$column`
/// is `key` — what reads, updates and deletes by that column start from (by a
/// unique key, the one row).
macro_rules! one_by {
    (fn $name:ident = $table:ident . $column:ident) => {
        #[allow(clippy::type_complexity)]
        fn $name<'a>(
            tenant: &'a TenantId,
            key: &'a str,
        ) -> diesel::dsl::Filter<
            diesel::dsl::Filter<$table::table, diesel::dsl::Eq<$table::tenant_id, &'a str>>,
            diesel::dsl::Eq<$table::$column, &'a str>,
        > {
            $table::table
                .filter($table::tenant_id.eq(tenant.as_str()))
                .filter($table::$column.eq(key))
        }
    };
}

/// `pub fn $name(conn, tenant, row)`: adds a row, which must belong to
/// `tenant`.
macro_rules! insert_row {
    ($name:ident into $table:ident, $row:ty) => {
        pub fn $name(
            conn: &mut DbConnection,
            tenant: &TenantId,
            row: &$row,
        ) -> Result<(), StoreError> {
            debug_assert_eq!(row.tenant_id, tenant.as_str());
            diesel::insert_into($table::table)
                .values(row)
                .execute(conn)?;
            Ok(())
        }
    };
}

/// `$vis fn $name(conn, tenant, key)`: the row `$filter(tenant, key)` names,
/// if any.
macro_rules! find_row {
    ($(#[$doc:meta])* $vis:vis $name:ident = $filter:ident -> $row:ty) => {
        $(#[$doc])*
        $vis fn $name(
            conn: &mut DbConnection,
            tenant: &TenantId,
            key: &str,
        ) -> Result<Option<$row>, StoreError> {
            Ok($filter(tenant, key)
                .select(<$row>::as_select())
                .get_result(conn)
                .optional()?)
        }
    };
}

/// `pub fn list(conn, tenant)`: every row of the tenant, ordered by `$order`.
macro_rules! list_rows {
    ($table:ident by $order:expr, $row:ty) => {
        pub fn list(conn: &mut DbConnection, tenant: &TenantId) -> Result<Vec<$row>, StoreError> {
            Ok($table::table
                .filter($table::tenant_id.eq(tenant.as_str()))
                .order($order)
                .select(<$row>::as_select())
                .load(conn)?)
        }
    };
}

/// `pub fn delete(conn, tenant, key)`: removes the row `$filter(tenant, key)`
/// names; whether there was one. Rows that reference it go by the foreign
/// keys' cascades.
macro_rules! delete_row {
    ($filter:ident) => {
        pub fn delete(
            conn: &mut DbConnection,
            tenant: &TenantId,
            key: &str,
        ) -> Result<bool, StoreError> {
            Ok(diesel::delete($filter(tenant, key)).execute(conn)? == 1)
        }
    };
}

/// Replaces the link rows `$table` of `owner` (its `$owner` column) with one
/// row for each of `values` (its `$value` column), in the caller's
/// transaction: a role's permissions, a user's roles.
macro_rules! replace_links {
    ($conn:expr, $tenant:expr, $table:ident . $owner:ident = $owner_id:expr, $value:ident in $values:expr) => {{
        let (tenant, owner): (&TenantId, &str) = ($tenant, $owner_id);
        diesel::delete(
            $table::table
                .filter($table::tenant_id.eq(tenant.as_str()))
                .filter($table::$owner.eq(owner)),
        )
        .execute($conn)?;
        for value in $values {
            diesel::insert_into($table::table)
                .values((
                    $table::tenant_id.eq(tenant.as_str()),
                    $table::$owner.eq(owner),
                    $table::$value.eq(value.as_str()),
                ))
                .execute($conn)?;
        }
        Ok::<(), StoreError>(())
    }};
}
