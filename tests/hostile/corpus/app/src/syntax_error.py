def handler(event, context):
    return {'a': 1

x = 2
