# -*- coding: undefined -*-
# A coding cookie naming a codec that refuses every input: WA001, not an internal error.
def handler(event, context):
    return None
