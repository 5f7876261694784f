def handler(event, context):
    return 'café'
