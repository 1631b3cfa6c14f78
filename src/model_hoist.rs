//! Planner support for `ces_model(name, version)` and `ces_model_at(model, as_of)`: a call
//! whose arguments are constants, query parameters or calls of the same kind is planned as
//! an uncorrelated scalar subquery, which PostgreSQL runs once per execution as an InitPlan
//! whose value every row receives like a constant. It is what writing
//! `(SELECT ces_model('health'::text))` would do, without asking anyone to write it:
//! `ces_score(event, ts, ces_model_at(ces_model('health'::text), '2026-10-01'))` then costs
//! what the constant model costs. A call with a column in its arguments stays a call per row
//! (cached per call site, see model_named.rs and model_type.rs).

use crate::v1::v1;
use pgrx::pg_sys::{self, Datum, Node, NodeTag};
use std::ffi::CStr;

/// The name of the subquery's one column: how the support function knows, when PostgreSQL
/// plans the subquery it made, that the calls there are already hoisted.
const MARKER: &CStr = c"ces_model_once";

unsafe fn tag(node: *const Node) -> Option<NodeTag> {
    unsafe { (!node.is_null()).then(|| (*node).type_) }
}

unsafe fn list_items<T>(list: *mut pg_sys::List) -> Vec<*mut T> {
    unsafe {
        if list.is_null() {
            return Vec::new();
        }
        (0..(*list).length as usize)
            .map(|i| (*(*list).elements.add(i)).ptr_value as *mut T)
            .collect()
    }
}

/// The expression inside a subquery made here (or written exactly like one), or None for
/// any other node.
unsafe fn own_subquery_expr(node: *mut Node, support: pg_sys::Oid) -> Option<*mut Node> {
    unsafe {
        if tag(node)? != NodeTag::T_SubLink {
            return None;
        }
        let sl = node as *mut pg_sys::SubLink;
        if (*sl).subLinkType != pg_sys::SubLinkType::EXPR_SUBLINK {
            return None;
        }
        own_query_expr((*sl).subselect as *mut pg_sys::Query, support)
    }
}

/// The one target expression of `q` when `q` is a subquery made here. The column name alone
/// proves nothing (anyone can write `(SELECT m.model AS ces_model_once FROM m WHERE ...)`,
/// whose expression taken out of its query would read a relation that is not there), so
/// the query must also be exactly what `ces_model_support` makes: no FROM (but the
/// RTE_RESULT the planner puts in an empty one), no clauses, and a call of a function with
/// this support function whose arguments have one value per execution. Such a subquery,
/// written by hand, equals its expression.
unsafe fn own_query_expr(q: *mut pg_sys::Query, support: pg_sys::Oid) -> Option<*mut Node> {
    unsafe {
        if tag(q as *const Node)? != NodeTag::T_Query {
            return None;
        }
        let qr = &*q;
        // A target list and nothing else: no clause, only RTE_RESULT entries.
        #[rustfmt::skip]
        let clauses: [*mut std::ffi::c_void; 12] = [
            qr.utilityStmt.cast(), qr.cteList.cast(), qr.groupClause.cast(), qr.groupingSets.cast(),
            qr.havingQual.cast(), qr.windowClause.cast(), qr.distinctClause.cast(), qr.sortClause.cast(),
            qr.limitOffset.cast(), qr.limitCount.cast(), qr.setOperations.cast(), qr.rowMarks.cast(),
        ];
        let plain = qr.commandType == pg_sys::CmdType::CMD_SELECT
            && clauses.iter().all(|c| c.is_null())
            && !(qr.hasAggs || qr.hasWindowFuncs || qr.hasTargetSRFs)
            && list_items::<pg_sys::RangeTblEntry>(qr.rtable)
                .into_iter()
                .all(|rte| (*rte).rtekind == pg_sys::RTEKind::RTE_RESULT)
            && !qr.jointree.is_null()
            && (*qr.jointree).quals.is_null()
            && list_items::<Node>((*qr.jointree).fromlist)
                .into_iter()
                .all(|n| tag(n) == Some(NodeTag::T_RangeTblRef));
        if !plain {
            return None;
        }
        let targets = list_items::<pg_sys::TargetEntry>(qr.targetList);
        let [te] = targets[..] else {
            return None;
        };
        let name = (*te).resname;
        if name.is_null() || CStr::from_ptr(name) != MARKER || (*te).resjunk {
            return None;
        }
        let expr = (*te).expr as *mut Node;
        (tag(expr) == Some(NodeTag::T_FuncExpr)
            && pg_sys::get_func_support((*(expr as *mut pg_sys::FuncExpr)).funcid) == support
            && once_per_execution(expr, support))
        .then_some(expr)
    }
}

/// Whether `node` has one value for a whole execution: a constant, a query parameter, a
/// subquery made here, or a non-volatile function of those (now(), a cast).
unsafe fn once_per_execution(node: *mut Node, support: pg_sys::Oid) -> bool {
    unsafe {
        match tag(node) {
            Some(NodeTag::T_Const) => true,
            Some(NodeTag::T_Param) => {
                (*(node as *mut pg_sys::Param)).paramkind == pg_sys::ParamKind::PARAM_EXTERN
            }
            Some(NodeTag::T_SubLink) => own_subquery_expr(node, support).is_some(),
            Some(NodeTag::T_FuncExpr) => {
                let f = node as *mut pg_sys::FuncExpr;
                !(*f).funcretset
                    && pg_sys::func_volatile((*f).funcid)
                        != pg_sys::PROVOLATILE_VOLATILE as std::ffi::c_char
                    && list_items::<Node>((*f).args)
                        .into_iter()
                        .all(|a| once_per_execution(a, support))
            }
            Some(NodeTag::T_RelabelType) => once_per_execution(
                (*(node as *mut pg_sys::RelabelType)).arg as *mut Node,
                support,
            ),
            _ => false,
        }
    }
}

/// Whether query `q` itself (not its subqueries) holds an EXISTS subquery. PostgreSQL plans
/// a correlated EXISTS a second time as `IN`, simplifying the subquery's WHERE clause with
/// the *outer* query's planner state (convert_EXISTS_to_ANY): a subquery made then would
/// stay unplanned in a query that does not know it has one ("cannot handle unplanned
/// sub-select"). Not hoisting there leaves the call to the inner query's own planning.
unsafe fn has_exists(q: *mut pg_sys::Query) -> bool {
    unsafe extern "C-unwind" fn walker(node: *mut Node, cx: *mut std::ffi::c_void) -> bool {
        unsafe {
            match tag(node) {
                None | Some(NodeTag::T_Query) => false,
                Some(NodeTag::T_SubLink)
                    if (*(node as *mut pg_sys::SubLink)).subLinkType
                        == pg_sys::SubLinkType::EXISTS_SUBLINK =>
                {
                    true
                }
                _ => pg_sys::expression_tree_walker(node, Some(walker), cx),
            }
        }
    }
    unsafe {
        pg_sys::query_tree_walker(
            q,
            Some(walker),
            std::ptr::null_mut(),
            (pg_sys::QTW_IGNORE_RC_SUBQUERIES | pg_sys::QTW_IGNORE_JOINALIASES) as i32,
        )
    }
}

unsafe fn make_node<T>(t: NodeTag) -> *mut T {
    unsafe {
        let n = pg_sys::palloc0(std::mem::size_of::<T>()) as *mut Node;
        (*n).type_ = t;
        n as *mut T
    }
}

v1! {
    /// `ces_model_support(internal) RETURNS internal`: answers SupportRequestSimplify.
    "ces_model_support(internal) RETURNS internal VOLATILE STRICT PARALLEL UNSAFE"
    fn ces_model_support(fcinfo) {
        let req = crate::fmgr::arg(fcinfo, 0).value.cast_mut_ptr::<Node>();
        let none = Datum::from(0usize);
        if tag(req) != Some(NodeTag::T_SupportRequestSimplify) {
            return none;
        }
        let req = req as *mut pg_sys::SupportRequestSimplify;
        let support = (*(*fcinfo).flinfo).fn_oid;
        let root = (*req).root;
        // No planner (an index expression, a default): the call stays, cached per call site.
        if root.is_null()
            || (*root).parse.is_null()
            || own_query_expr((*root).parse, support).is_some()
        {
            return none;
        }
        // Only a query that reads rows gains anything. A query without FROM evaluates the call
        // once anyway, and must stay without subplans: PL/pgSQL runs such a query as a simple
        // expression, which has no way to run an InitPlan.
        let reads_rows = list_items::<pg_sys::RangeTblEntry>((*(*root).parse).rtable)
            .into_iter()
            .any(|rte| (*rte).rtekind != pg_sys::RTEKind::RTE_RESULT);
        if !reads_rows {
            return none;
        }
        let fcall = (*req).fcall;
        if (*fcall).funcretset
            || !list_items::<Node>((*fcall).args)
                .into_iter()
                .all(|a| once_per_execution(a, support))
            || has_exists((*root).parse)
        {
            return none;
        }
        // `fcall` is the planner's temporary: copy it, and take the expressions of nested
        // subqueries made here back in, so one subquery holds the whole call.
        let call = pg_sys::copyObjectImpl(fcall.cast()) as *mut pg_sys::FuncExpr;
        let args = (*call).args;
        if !args.is_null() {
            for i in 0..(*args).length as usize {
                let cell = (*args).elements.add(i);
                if let Some(inner) = own_subquery_expr((*cell).ptr_value as *mut Node, support) {
                    (*cell).ptr_value = inner.cast();
                }
            }
        }
        let q = make_node::<pg_sys::Query>(NodeTag::T_Query);
        (*q).commandType = pg_sys::CmdType::CMD_SELECT;
        (*q).querySource = pg_sys::QuerySource::QSRC_ORIGINAL;
        (*q).canSetTag = true;
        (*q).hasSubLinks = true; // a nested subquery made here, if any
        (*q).jointree = pg_sys::makeFromExpr(std::ptr::null_mut(), std::ptr::null_mut());
        let te = pg_sys::makeTargetEntry(call.cast(), 1, pg_sys::pstrdup(MARKER.as_ptr()), false);
        (*q).targetList = pg_sys::lappend(std::ptr::null_mut(), te.cast());
        let sl = make_node::<pg_sys::SubLink>(NodeTag::T_SubLink);
        (*sl).subLinkType = pg_sys::SubLinkType::EXPR_SUBLINK;
        (*sl).subselect = q.cast();
        (*sl).location = -1;
        // The planner turns SubLinks into subplans after simplifying, when the query has any.
        (*(*root).parse).hasSubLinks = true;
        Datum::from(sl)
    }
}
