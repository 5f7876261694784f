# -*- coding: latin-1 -*-
def handler(event, context):
    return 'café'
