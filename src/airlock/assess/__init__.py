"""How far the enclave is from SL5 (issue 17): measures, checks, OSCAL and reports.

Imported only on the assessment path (`airlock assess`, `/ui/assess`), never at start-up.
"""
