-- A transition written at once, from the attempt as its engine last saw it, checks in the same
-- transaction that nothing moved meanwhile: each check that fails raises, the transaction rolls
-- back, and the transition is applied again under locks. SQLSTATE TD001 names that refusal.
CREATE FUNCTION tender_expect(holds boolean, what text) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    IF holds IS NOT TRUE THEN
        RAISE EXCEPTION 'tender: % changed', what USING ERRCODE = 'TD001';
    END IF;
    RETURN true;
END
$$;
