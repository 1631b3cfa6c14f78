-- A canonical, OID-free listing of everything an extension owns (psql -XAt -v ext=ces -f this):
-- one line per fact, sorted, so two databases can be compared with diff. scripts/upgrade_diff.sh
-- uses it to prove that ALTER EXTENSION ... UPDATE gives the same catalog as a fresh install.
SET search_path = pg_catalog;  -- names print schema-qualified where it matters
\set QUIET on
WITH ext AS (
    SELECT oid, extname FROM pg_extension WHERE extname = :'ext'
), member AS (
    SELECT d.classid, d.objid, d.objsubid
    FROM pg_depend d, ext
    WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = ext.oid AND d.deptype = 'e'
), fn AS (
    SELECT p.* FROM pg_proc p JOIN member m ON m.classid = 'pg_proc'::regclass AND m.objid = p.oid
), rel AS (
    SELECT c.* FROM pg_class c JOIN member m ON m.classid = 'pg_class'::regclass AND m.objid = c.oid
), typ AS (
    SELECT t.* FROM pg_type t JOIN member m ON m.classid = 'pg_type'::regclass AND m.objid = t.oid
), acl(a) AS (SELECT NULL::aclitem[])
SELECT line FROM (
    -- the extension itself and its configuration tables (pg_extension_config_dump)
    SELECT format('extension %s version %s owner %s relocatable %s config %s condition %s',
                  e.extname, e.extversion, pg_get_userbyid(e.extowner), e.extrelocatable,
                  (SELECT array_agg(c::regclass::text ORDER BY c::regclass::text) FROM unnest(e.extconfig) c),
                  e.extcondition) AS line
    FROM pg_extension e JOIN ext USING (oid)
    UNION ALL
    -- the privileges that the scripts set (pg_dump dumps only changes from these)
    SELECT format('initial privileges %s: %s', pg_describe_object(i.classoid, i.objoid, i.objsubid),
                  (SELECT array_agg(x::text ORDER BY x::text) FROM unnest(i.initprivs) x))
    FROM pg_init_privs i JOIN member m ON m.classid = i.classoid AND m.objid = i.objoid
    WHERE i.privtype = 'e'
    UNION ALL
    -- members, by description
    SELECT 'member ' || pg_describe_object(classid, objid, objsubid) FROM member
    UNION ALL
    -- comments on members and on their columns
    SELECT format('comment %s: %s', pg_describe_object(d.classoid, d.objoid, d.objsubid), d.description)
    FROM pg_description d JOIN member m ON m.classid = d.classoid AND m.objid = d.objoid
    UNION ALL
    -- functions: every pg_proc attribute that matters, then the full definition
    SELECT format('function %s: kind %s owner %s lang %s volatile %s parallel %s strict %s secdef %s leakproof %s cost %s rows %s retset %s returns %s config %s acl %s',
                  p.oid::regprocedure, p.prokind, pg_get_userbyid(p.proowner),
                  (SELECT lanname FROM pg_language l WHERE l.oid = p.prolang), p.provolatile, p.proparallel,
                  p.proisstrict, p.prosecdef, p.proleakproof, p.procost, p.prorows, p.proretset,
                  pg_get_function_result(p.oid), p.proconfig,
                  (SELECT array_agg(x::text ORDER BY x::text) FROM unnest(p.proacl) x))
    FROM fn p
    UNION ALL
    SELECT format('function %s: arguments %s', p.oid::regprocedure, pg_get_function_arguments(p.oid)) FROM fn p
    UNION ALL
    SELECT format('function %s: definition%s', p.oid::regprocedure,
                  E'\n    ' || replace(rtrim(pg_get_functiondef(p.oid), E'\n'), E'\n', E'\n    '))
    FROM fn p WHERE p.prokind <> 'a'
    UNION ALL
    SELECT format('function %s: C symbol %s in %s', p.oid::regprocedure, p.prosrc, p.probin)
    FROM fn p WHERE p.probin IS NOT NULL
    UNION ALL
    -- aggregates: the pg_aggregate row, support functions by name
    SELECT format('aggregate %s: kind %s sfunc %s stype %s sspace %s finalfunc %s extra %s modify %s combine %s serial %s deserial %s msfunc %s minvfunc %s mstype %s msspace %s mfinalfunc %s mextra %s mmodify %s init %s minit %s sortop %s numdirect %s',
                  a.aggfnoid::regprocedure, a.aggkind, a.aggtransfn, a.aggtranstype::regtype, a.aggtransspace,
                  a.aggfinalfn, a.aggfinalextra, a.aggfinalmodify, a.aggcombinefn, a.aggserialfn,
                  a.aggdeserialfn, a.aggmtransfn, a.aggminvtransfn, a.aggmtranstype::regtype,
                  a.aggmtransspace, a.aggmfinalfn, a.aggmfinalextra, a.aggmfinalmodify, a.agginitval,
                  a.aggminitval, a.aggsortop::regoperator, a.aggnumdirectargs)
    FROM pg_aggregate a JOIN fn p ON p.oid = a.aggfnoid
    UNION ALL
    -- relations: kind, owner, ACL, options, row security
    SELECT format('relation %s: kind %s owner %s acl %s options %s rls %s forcerls %s persistence %s',
                  c.oid::regclass, c.relkind, pg_get_userbyid(c.relowner),
                  (SELECT array_agg(x::text ORDER BY x::text) FROM unnest(c.relacl) x),
                  c.reloptions, c.relrowsecurity, c.relforcerowsecurity, c.relpersistence)
    FROM rel c
    UNION ALL
    -- columns with their position among the live ones (ADD COLUMN appends: an update that
    -- adds one where a fresh install has it elsewhere changes SELECT * and the row type)
    SELECT format('relation %s: column %s %s %s notnull %s default %s identity %s generated %s collation %s storage %s acl %s',
                  c.oid::regclass, row_number() OVER (PARTITION BY c.oid ORDER BY a.attnum), a.attname,
                  format_type(a.atttypid, a.atttypmod), a.attnotnull,
                  pg_get_expr(ad.adbin, ad.adrelid), a.attidentity, a.attgenerated,
                  (SELECT collname FROM pg_collation k WHERE k.oid = a.attcollation), a.attstorage,
                  (SELECT array_agg(x::text ORDER BY x::text) FROM unnest(a.attacl) x))
    FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    LEFT JOIN pg_attrdef ad ON ad.adrelid = c.oid AND ad.adnum = a.attnum
    -- the extension's relations, and the row types of its composite types (whose pg_class
    -- row is not a member itself)
    WHERE c.oid IN (SELECT oid FROM rel) OR c.oid IN (SELECT typrelid FROM typ WHERE typtype = 'c')
    UNION ALL
    SELECT format('relation %s: constraint %s %s', c.oid::regclass, k.conname, pg_get_constraintdef(k.oid))
    FROM rel c JOIN pg_constraint k ON k.conrelid = c.oid
    UNION ALL
    SELECT format('relation %s: index %s', c.oid::regclass, pg_get_indexdef(i.indexrelid))
    FROM rel c JOIN pg_index i ON i.indrelid = c.oid
    UNION ALL
    SELECT format('relation %s: trigger %s enabled %s', c.oid::regclass, pg_get_triggerdef(t.oid), t.tgenabled)
    FROM rel c JOIN pg_trigger t ON t.tgrelid = c.oid AND NOT t.tgisinternal
    UNION ALL
    SELECT format('relation %s: policy %s %s roles %s using %s check %s', c.oid::regclass, p.polname,
                  p.polcmd, p.polroles::regrole[], pg_get_expr(p.polqual, p.polrelid),
                  pg_get_expr(p.polwithcheck, p.polrelid))
    FROM rel c JOIN pg_policy p ON p.polrelid = c.oid
    UNION ALL
    SELECT format('relation %s: rule %s', c.oid::regclass, pg_get_ruledef(r.oid))
    FROM rel c JOIN pg_rewrite r ON r.ev_class = c.oid AND r.rulename <> '_RETURN'
    UNION ALL
    SELECT format('relation %s: view%s', c.oid::regclass,
                  E'\n    ' || replace(rtrim(pg_get_viewdef(c.oid), E'\n'), E'\n', E'\n    '))
    FROM rel c WHERE c.relkind IN ('v', 'm')
    UNION ALL
    SELECT format('relation %s: sequence %s start %s increment %s min %s max %s cycle %s',
                  c.oid::regclass, s.seqtypid::regtype, s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcycle)
    FROM rel c JOIN pg_sequence s ON s.seqrelid = c.oid
    UNION ALL
    -- types
    SELECT format('type %s: type %s category %s preferred %s len %s byval %s align %s storage %s in %s out %s recv %s send %s typmod_in %s typmod_out %s analyze %s subscript %s elem %s delim %s owner %s acl %s',
                  t.oid::regtype, t.typtype, t.typcategory, t.typispreferred, t.typlen, t.typbyval,
                  t.typalign, t.typstorage, t.typinput, t.typoutput, t.typreceive, t.typsend,
                  t.typmodin, t.typmodout, t.typanalyze, t.typsubscript, t.typelem::regtype, t.typdelim,
                  pg_get_userbyid(t.typowner), (SELECT array_agg(x::text ORDER BY x::text) FROM unnest(t.typacl) x))
    FROM typ t
    UNION ALL
    SELECT format('type %s: label %s %s', t.oid::regtype, e.enumsortorder, e.enumlabel)
    FROM typ t JOIN pg_enum e ON e.enumtypid = t.oid
    UNION ALL
    SELECT format('type %s: domain over %s notnull %s default %s collation %s', t.oid::regtype,
                  format_type(t.typbasetype, t.typtypmod), t.typnotnull, t.typdefault,
                  (SELECT collname FROM pg_collation k WHERE k.oid = t.typcollation))
    FROM typ t WHERE t.typtype = 'd'
    UNION ALL
    SELECT format('type %s: constraint %s %s', t.oid::regtype, k.conname, pg_get_constraintdef(k.oid))
    FROM typ t JOIN pg_constraint k ON k.contypid = t.oid
    UNION ALL
    SELECT format('operator %s: returns %s code %s commutator %s negator %s restrict %s join %s hashes %s merges %s owner %s',
                  o.oid::regoperator, o.oprresult::regtype, o.oprcode, o.oprcom::regoperator, o.oprnegate::regoperator, o.oprrest,
                  o.oprjoin, o.oprcanhash, o.oprcanmerge, pg_get_userbyid(o.oprowner))
    FROM pg_operator o JOIN member m ON m.classid = 'pg_operator'::regclass AND m.objid = o.oid
    UNION ALL
    -- operator classes and families: what each holds (operators, support functions)
    SELECT format('operator class %s: method %s type %s default %s family %s key %s',
                  oc.opcname, (SELECT amname FROM pg_am a WHERE a.oid = oc.opcmethod), oc.opcintype::regtype,
                  oc.opcdefault, (SELECT opfname FROM pg_opfamily f WHERE f.oid = oc.opcfamily), oc.opckeytype::regtype)
    FROM pg_opclass oc JOIN member m ON m.classid = 'pg_opclass'::regclass AND m.objid = oc.oid
    UNION ALL
    SELECT format('operator family %s: %s', f.opfname, pg_describe_object(d.classid, d.objid, 0))
    FROM pg_opfamily f JOIN member m ON m.classid = 'pg_opfamily'::regclass AND m.objid = f.oid
    JOIN pg_depend d ON d.refclassid = 'pg_opfamily'::regclass AND d.refobjid = f.oid
     AND d.classid IN ('pg_amop'::regclass, 'pg_amproc'::regclass)
    UNION ALL
    SELECT format('cast %s -> %s: function %s context %s method %s', c.castsource::regtype, c.casttarget::regtype,
                  c.castfunc::regprocedure, c.castcontext, c.castmethod)
    FROM pg_cast c JOIN member m ON m.classid = 'pg_cast'::regclass AND m.objid = c.oid
    UNION ALL
    SELECT format('schema %s: owner %s', n.nspname, pg_get_userbyid(n.nspowner))
    FROM pg_namespace n JOIN member m ON m.classid = 'pg_namespace'::regclass AND m.objid = n.oid
) lines
ORDER BY line COLLATE "C";
