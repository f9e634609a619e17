-- Operators of another role in the schema the extension is created in
-- (public), exact matches where pg_catalog has only near ones: an install
-- or update script that compared numeric with an integer, or an oid with
-- a regprocedure, without naming pg_catalog's operator would bind them,
-- and run their code as the superuser. Each records its calls; after the
-- script and the calls that follow, nothing may depend on them and they
-- must never have run (checked by lookalikes-check.sql).
CREATE TABLE public.wms_captured (operator text);
GRANT INSERT ON public.wms_captured TO PUBLIC;
CREATE FUNCTION public.wms_captured_ge(numeric, integer) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.wms_captured VALUES ('>=(numeric, integer)');
    RETURN $1 OPERATOR(pg_catalog.>=) $2::pg_catalog.numeric;
END
$$;
CREATE OPERATOR public.>= (LEFTARG = numeric, RIGHTARG = integer, FUNCTION = public.wms_captured_ge);
CREATE FUNCTION public.wms_captured_eq(oid, regprocedure) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.wms_captured VALUES ('=(oid, regprocedure)');
    RETURN $1 OPERATOR(pg_catalog.=) $2::pg_catalog.oid;
END
$$;
CREATE OPERATOR public.= (LEFTARG = oid, RIGHTARG = regprocedure, FUNCTION = public.wms_captured_eq);
CREATE FUNCTION public.wms_captured_eq(oid, regclass) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.wms_captured VALUES ('=(oid, regclass)');
    RETURN $1 OPERATOR(pg_catalog.=) $2::pg_catalog.oid;
END
$$;
CREATE OPERATOR public.= (LEFTARG = oid, RIGHTARG = regclass, FUNCTION = public.wms_captured_eq);
-- The bait works: unqualified, these comparisons pick the planted ones.
DO $$
BEGIN
    PERFORM 2.5::numeric >= 2, 1259::oid = 'pg_class'::regclass, 1::oid = 'now()'::regprocedure;
    IF (SELECT pg_catalog.count(DISTINCT operator) FROM public.wms_captured) OPERATOR(pg_catalog.<>) 3 THEN
        RAISE EXCEPTION 'the planted operators are not picked: %', (SELECT pg_catalog.array_agg(operator) FROM public.wms_captured);
    END IF;
    DELETE FROM public.wms_captured;
END
$$;
